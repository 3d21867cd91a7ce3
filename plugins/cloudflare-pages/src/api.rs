//! Calls to the Cloudflare API through the `http` capability: authentication, the
//! `{success, errors, result}` envelope, and failures described well enough to retry on.

use crate::config::Config;
use crate::retry::Failure;
use serde::de::DeserializeOwned;
use sluice_sdk::http::{self, Method, Request, Response};
use sluice_sdk::{Error, secrets};
use std::fmt;
use std::time::Duration;

/// Time one API request may take (the host caps it at 120 s).
const REQUEST_TIMEOUT_MS: u32 = 120_000;
/// The API's code for a bad or expired upload token.
pub const CODE_TOKEN_REJECTED: u64 = 8_000_013;
/// The API's code for an unknown error.
pub const CODE_UNKNOWN: u64 = 8_000_000;
/// The HTTP status Cloudflare's edge answers when the origin timed out.
const STATUS_GATEWAY_TIMEOUT: u16 = 524;
/// Characters of a malformed answer quoted in an error.
const QUOTED_BODY_CHARS: usize = 100;

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// With the account's API token (project and deployment endpoints).
    ApiToken,
    /// With an upload token (the `/pages/assets/*` endpoints).
    Upload(&'a str),
}

/// One API request.
#[derive(Debug)]
pub struct Call<'a> {
    /// The method.
    method: Method,
    /// The method's name, for messages.
    verb: &'static str,
    /// The path below the API base, e.g. `/pages/assets/upload`.
    path: String,
    /// How it authenticates.
    auth: Auth<'a>,
    /// Its body and content type, if any.
    body: Option<(String, Vec<u8>)>,
}

impl<'a> Call<'a> {
    fn new(method: Method, verb: &'static str, path: String, auth: Auth<'a>) -> Call<'a> {
        Call {
            method,
            verb,
            path,
            auth,
            body: None,
        }
    }

    /// A GET request.
    pub fn get(path: impl Into<String>, auth: Auth<'a>) -> Call<'a> {
        Call::new(Method::Get, "GET", path.into(), auth)
    }

    /// A POST request, without a body until one is added.
    pub fn post(path: impl Into<String>, auth: Auth<'a>) -> Call<'a> {
        Call::new(Method::Post, "POST", path.into(), auth)
    }

    /// A DELETE request.
    pub fn delete(path: impl Into<String>, auth: Auth<'a>) -> Call<'a> {
        Call::new(Method::Delete, "DELETE", path.into(), auth)
    }

    /// The same request with a JSON body.
    pub fn json(self, body: Vec<u8>) -> Call<'a> {
        self.with_body("application/json", body)
    }

    /// The same request with a body of `content_type`.
    pub fn with_body(mut self, content_type: &str, body: Vec<u8>) -> Call<'a> {
        self.body = Some((content_type.to_owned(), body));
        self
    }

    /// `POST /pages/assets/upload`, for messages.
    pub fn describe(&self) -> String {
        format!("{} {}", self.verb, self.path)
    }
}

/// A failed API call.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The request, e.g. `POST /pages/assets/upload`.
    pub call: String,
    /// The HTTP status, when the API answered.
    pub status: Option<u16>,
    /// The first error code of the envelope, when there was one.
    pub code: Option<u64>,
    /// What went wrong, in the API's or the capability's words.
    pub message: String,
    /// The capability's own error, when the request never got an answer.
    transport: Option<Error>,
}

impl ApiError {
    /// What this failure means for retrying.
    pub fn failure(&self) -> Failure {
        match (&self.transport, self.status, self.code) {
            (Some(Error::Denied(_)), _, _) => Failure::Denied,
            (_, Some(STATUS_GATEWAY_TIMEOUT), _) => Failure::Gateway,
            (_, _, Some(CODE_TOKEN_REJECTED)) => Failure::TokenRejected,
            (_, _, Some(CODE_UNKNOWN)) => Failure::Unknown,
            _ => Failure::Other,
        }
    }

    /// Whether the API answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    /// The contract's error, keeping a denial a denial and a dead connection unavailable.
    pub fn into_error(self, context: impl fmt::Display) -> Error {
        let message = format!("{context}: {self}");
        match self.transport {
            Some(Error::Denied(_)) => Error::Denied(message),
            Some(Error::Unavailable(_)) => Error::Unavailable(message),
            _ => Error::Failed(message),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.call)?;
        if let Some(status) = self.status {
            write!(f, " answered HTTP {status}")?;
        }
        if let Some(code) = self.code {
            write!(f, " with code {code}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The Pages API of one account and project.
pub struct Api {
    base: String,
    account: String,
    project: String,
    token: String,
    retry_delay: Duration,
}

impl Api {
    /// The API `config` points at, with the token from its granted secret.
    pub fn new(config: &Config) -> Result<Api, Error> {
        let token = secrets::get(&config.api_token_secret).map_err(|e| {
            let message = format!(
                "reading the API token from secret `{}`: {}",
                config.api_token_secret,
                e.message()
            );
            match e {
                Error::Denied(_) => Error::Denied(message),
                _ => Error::Unavailable(message),
            }
        })?;
        Ok(Api {
            base: config.api_base().to_owned(),
            account: config.account_id.clone(),
            project: config.project.clone(),
            token,
            retry_delay: Duration::from_millis(config.retry_delay_ms),
        })
    }

    /// The project's name.
    pub fn project_name(&self) -> &str {
        &self.project
    }

    /// `/accounts/ACCOUNT/pages/projects/PROJECT` followed by `rest`.
    pub fn project_path(&self, rest: &str) -> String {
        format!(
            "/accounts/{}/pages/projects/{}{rest}",
            self.account, self.project
        )
    }

    /// Waits `units` retry delays.
    pub fn wait(&self, units: u64) {
        let units = u32::try_from(units).unwrap_or(u32::MAX);
        std::thread::sleep(self.retry_delay.saturating_mul(units));
    }

    /// Sends one call; its `result`, or why not.
    pub fn send<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
        let what = call.describe();
        decode(what, http::send(&self.request(call)))
    }

    /// Sends several calls at once; one outcome per call, in order. The bodies move into the
    /// requests, so a large upload is held once.
    pub fn send_all<T: DeserializeOwned>(&self, calls: Vec<Call>) -> Vec<Result<T, ApiError>> {
        let what: Vec<String> = calls.iter().map(Call::describe).collect();
        let requests: Vec<Request> = calls.into_iter().map(|call| self.request(call)).collect();
        let responses = http::send_all(&requests);
        drop(requests);
        what.into_iter()
            .zip(responses)
            .map(|(what, response)| decode(what, response))
            .collect()
    }

    fn request(&self, call: Call) -> Request {
        let bearer = match call.auth {
            Auth::ApiToken => self.token.as_str(),
            Auth::Upload(jwt) => jwt,
        };
        let mut headers = vec![
            ("authorization".to_owned(), format!("Bearer {bearer}")),
            (
                "user-agent".to_owned(),
                concat!("sluice-cloudflare-pages/", env!("CARGO_PKG_VERSION")).to_owned(),
            ),
        ];
        let body = call.body.map(|(content_type, bytes)| {
            headers.push(("content-type".to_owned(), content_type));
            bytes
        });
        Request {
            method: call.method,
            url: format!("{}{}", self.base, call.path),
            headers,
            body,
            timeout_ms: Some(REQUEST_TIMEOUT_MS),
            follow_redirects: true,
        }
    }
}

/// The envelope of an answer.
#[derive(serde::Deserialize)]
struct Envelope {
    success: bool,
    #[serde(default)]
    errors: Vec<ApiMessage>,
    #[serde(default)]
    result: serde_json::Value,
}

#[derive(serde::Deserialize)]
struct ApiMessage {
    #[serde(default)]
    code: Option<u64>,
    #[serde(default)]
    message: String,
}

/// Reads the envelope of `response` to the call `what`: its `result` as `T`, or the failure.
fn decode<T: DeserializeOwned>(
    what: String,
    response: Result<Response, Error>,
) -> Result<T, ApiError> {
    let failed = |status, code, message: String, transport| ApiError {
        call: what.clone(),
        status,
        code,
        message,
        transport,
    };
    let response = response.map_err(|e| failed(None, None, e.message().to_owned(), Some(e)))?;
    let status = Some(response.status);
    let Ok(envelope) = serde_json::from_slice::<Envelope>(&response.body) else {
        let body = String::from_utf8_lossy(&response.body);
        let quoted: String = body.trim().chars().take(QUOTED_BODY_CHARS).collect();
        return Err(failed(
            status,
            None,
            format!("a malformed answer, not the API's JSON envelope: {quoted:?}"),
            None,
        ));
    };
    if !envelope.success {
        let first = envelope.errors.into_iter().next();
        let code = first.as_ref().and_then(|e| e.code);
        let message = first
            .map(|e| e.message)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "the API says it failed, without a reason".to_owned());
        return Err(failed(status, code, message, None));
    }
    serde_json::from_value(envelope.result).map_err(|e| {
        failed(
            status,
            None,
            format!("the result is not what the API documents: {e}"),
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<Response, Error> {
        Ok(Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            final_url: String::new(),
        })
    }

    fn call() -> String {
        Call::post("/pages/assets/upload", Auth::Upload("jwt")).describe()
    }

    #[test]
    fn a_successful_envelope_gives_its_result() {
        let result: Vec<String> = decode(
            call(),
            answer(
                200,
                r#"{"success":true,"errors":[],"messages":[],"result":["a"]}"#,
            ),
        )
        .unwrap();
        assert_eq!(result, ["a"]);
    }

    #[test]
    fn success_false_is_a_failure_with_the_first_code_whatever_the_status() {
        let error = decode::<serde_json::Value>(
            call(),
            answer(
                200,
                r#"{"success":false,"errors":[{"code":8000013,"message":"Authorization failed"}],"result":null}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(error.failure(), Failure::TokenRejected);
        assert_eq!(
            error.to_string(),
            "POST /pages/assets/upload answered HTTP 200 with code 8000013: Authorization failed"
        );
    }

    #[test]
    fn an_html_524_page_is_a_gateway_failure_quoting_the_page() {
        let error =
            decode::<serde_json::Value>(call(), answer(524, "<html>A timeout occurred</html>"))
                .unwrap_err();
        assert_eq!(error.failure(), Failure::Gateway);
        assert!(error.message.contains("A timeout occurred"), "{error}");
    }

    #[test]
    fn a_denied_request_stays_denied() {
        let error =
            decode::<serde_json::Value>(call(), Err(Error::Denied("origin not granted".into())))
                .unwrap_err();
        assert_eq!(error.failure(), Failure::Denied);
        assert!(
            matches!(error.into_error("uploading"), Error::Denied(m) if m.contains("origin not granted"))
        );
    }

    #[test]
    fn the_unknown_error_code_is_recognised() {
        let error = decode::<serde_json::Value>(
            call(),
            answer(
                500,
                r#"{"success":false,"errors":[{"code":8000000,"message":"x"}]}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(error.failure(), Failure::Unknown);
    }
}
