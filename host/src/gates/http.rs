//! The `http` check: a GET must answer the expected status, and contain the expected text if
//! one is set. Redirects are not followed: a redirect fails the check unless it is the status
//! expected.

use std::error::Error;
use std::io;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode, Url, header};

use super::probe::{Observation, SetupError, describe_io_error, timed_out};
use super::target::{Guarded, Target, TargetPolicy};
use crate::caps::http::pinned_client;
use crate::wit::error_text;

/// The most of a body read when looking for the expected text.
const BODY_LIMIT: usize = 1024 * 1024;

/// An HTTP check with its client.
pub(super) struct HttpCheck<'a> {
    client: Client,
    url: Url,
    status: u16,
    body: Option<&'a str>,
    /// The policy every probe's target is checked by, when the URL holds what a plugin staged.
    guard: Option<Guarded<'a>>,
}

impl<'a> HttpCheck<'a> {
    /// Prepares a GET of `url` that must answer `status` (and contain `body` if set); one probe
    /// takes at most `timeout`.
    pub fn new(
        url: &str,
        status: u16,
        body: Option<&'a str>,
        timeout: Duration,
    ) -> Result<HttpCheck<'a>, SetupError> {
        let invalid = |reason: String| SetupError::InvalidUrl {
            url: url.to_owned(),
            reason,
        };
        let parsed = Url::parse(url).map_err(|e| invalid(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("only http and https can be probed".to_owned()));
        }
        let client = Client::builder()
            .timeout(timeout)
            .redirect(Policy::none())
            .build()?;
        Ok(HttpCheck {
            client,
            url: parsed,
            status,
            body,
            guard: None,
        })
    }

    /// The check with every probe's target checked by `policy` first (if any), then sent to
    /// exactly the addresses it allowed.
    pub fn guarded(self, policy: Option<&'a TargetPolicy>) -> Result<HttpCheck<'a>, SetupError> {
        let Some(policy) = policy else {
            return Ok(self);
        };
        let target = Target::of_url(&self.url).ok_or_else(|| SetupError::InvalidUrl {
            url: self.url.to_string(),
            reason: "it has no host".to_owned(),
        })?;
        Ok(HttpCheck {
            guard: Some(Guarded { policy, target }),
            ..self
        })
    }

    /// Sends one GET, giving up after `timeout`.
    pub async fn probe(&self, timeout: Duration) -> Observation {
        let client = match &self.guard {
            None => self.client.clone(),
            Some(guard) => {
                let addresses = match guard.addresses().await {
                    Ok(addresses) => addresses,
                    Err(observation) => return observation,
                };
                let pinned = guard.target.name().map(|name| (name, addresses.as_slice()));
                match pinned_client(pinned) {
                    Ok(client) => client,
                    Err(error) => return Observation::failure(error_text(&error)),
                }
            }
        };
        match client.get(self.url.clone()).timeout(timeout).send().await {
            Ok(response) => self.judge(response, timeout).await,
            Err(error) => Observation::failure(describe_request_error(&error, timeout)),
        }
    }

    /// Whether `response` is what the check expects.
    async fn judge(&self, response: Response, timeout: Duration) -> Observation {
        let status = response.status();
        if status.as_u16() != self.status {
            return Observation::failure(unexpected_status(&response, self.status));
        }
        let Some(expected) = self.body else {
            return Observation::success(format!("HTTP {}", status.as_u16()));
        };
        match read_prefix(response, BODY_LIMIT).await {
            Ok(body) if String::from_utf8_lossy(&body).contains(expected) => Observation::success(
                format!("HTTP {}, body contained `{expected}`", status.as_u16()),
            ),
            Ok(_) => Observation::failure(format!(
                "HTTP {}, body did not contain `{expected}`",
                status.as_u16()
            )),
            Err(error) => Observation::failure(format!(
                "HTTP {}, body could not be read: {}",
                status.as_u16(),
                describe_request_error(&error, timeout)
            )),
        }
    }
}

/// `HTTP 500 (expected 200)`, naming where a redirect pointed.
fn unexpected_status(response: &Response, expected: u16) -> String {
    let status: StatusCode = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok());
    match location {
        Some(location) if status.is_redirection() => {
            format!(
                "HTTP {} redirect to {location}, not followed (expected {expected})",
                status.as_u16()
            )
        }
        _ => format!("HTTP {} (expected {expected})", status.as_u16()),
    }
}

/// The first `limit` bytes of the body (all of it if shorter).
async fn read_prefix(mut response: Response, limit: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await? {
            Some(chunk) => body.extend_from_slice(&chunk),
            None => break,
        }
    }
    body.truncate(limit);
    Ok(body)
}

/// A failed request in a few words: `connection refused`, `timed out after 5s`, or the
/// innermost cause.
fn describe_request_error(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return timed_out(timeout);
    }
    let causes = causes_of(error);
    if let Some(io_error) = causes
        .iter()
        .find_map(|cause| cause.downcast_ref::<io::Error>())
    {
        return describe_io_error(io_error);
    }
    match causes.last() {
        Some(innermost) => format!("request failed: {innermost}"),
        None => format!("request failed: {error}"),
    }
}

/// The chain of errors that caused `error`, outermost first.
fn causes_of(error: &reqwest::Error) -> Vec<&(dyn Error + 'static)> {
    let mut causes = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        causes.push(cause);
        next = cause.source();
    }
    causes
}
