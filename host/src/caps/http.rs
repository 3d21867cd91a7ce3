//! `sluice:deploy/http`: outgoing HTTP requests, only to granted origins.
//!
//! Threat model: a hostile plugin could call any host it likes (exfiltration, internal
//! services, cloud metadata), reach a granted host on another port or scheme, bounce through a
//! granted host's redirect to an ungranted one, or exhaust the host with huge bodies or
//! never-ending responses. What stops it: a request's origin (scheme, host, port) must equal a
//! granted origin; redirects are followed by the host only, each hop re-checked against the
//! grant; request and response bodies and headers are capped, and every request has a connect
//! and a total timeout. `send-all` runs at most [`MAX_IN_FLIGHT`] of a plugin's requests at once,
//! each checked like a single `send`.

use std::time::Duration;

use futures::StreamExt;
use url::Url;

use super::{CapError, error_chain};
use crate::wit::http::{Host, Method, Request, Response};
use crate::wit::types::Error;

/// The largest request body accepted from a plugin.
pub const MAX_REQUEST_BODY: usize = 64 * 1024 * 1024;
/// The largest response body handed to a plugin.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;
/// The most headers in a request or response.
pub const MAX_HEADERS: usize = 100;
/// The most bytes of all header names and values together.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;
/// The longest a request may take when the plugin asks for no timeout or a longer one.
pub const MAX_TOTAL_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most requests of one `send-all` in flight at once; the rest wait for a free place.
pub const MAX_IN_FLIGHT: usize = 8;

/// An origin: scheme, host and port. Two URLs may talk to each other's server iff equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of `url`, if it is an http(s) URL with a host.
    pub fn of(url: &Url) -> Option<Origin> {
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        Some(Origin {
            scheme: scheme.to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// The http capability of one lifecycle call.
pub struct HttpCap {
    plugin: String,
    granted: Vec<Origin>,
    client: reqwest::Client,
}

impl HttpCap {
    /// HTTP for `plugin`, allowed to reach `origins` (as the plan writes them).
    pub fn new(plugin: &str, origins: &[String]) -> Result<Self, CapError> {
        let granted = origins
            .iter()
            .map(|o| {
                Url::parse(o)
                    .ok()
                    .and_then(|u| Origin::of(&u))
                    .ok_or_else(|| CapError::Origin(o.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| CapError::HttpClient(e.to_string()))?;
        Ok(HttpCap {
            plugin: plugin.to_owned(),
            granted,
            client,
        })
    }

    /// The URL parsed, if its origin is granted.
    fn permitted(&self, url: &str) -> Result<Url, Error> {
        let parsed = Url::parse(url)
            .map_err(|e| Error::InvalidConfig(format!("http: invalid URL `{url}`: {e}")))?;
        let origin = Origin::of(&parsed).ok_or_else(|| {
            Error::Denied(format!("http: `{url}` is not an http(s) URL with a host"))
        })?;
        if self.granted.contains(&origin) {
            Ok(parsed)
        } else {
            Err(Error::Denied(format!(
                "http: origin {origin} is not granted to plugin `{}` (granted: {})",
                self.plugin,
                self.granted_list()
            )))
        }
    }

    fn granted_list(&self) -> String {
        if self.granted.is_empty() {
            return "none".to_owned();
        }
        self.granted
            .iter()
            .map(Origin::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Sends `request`, following redirects (re-checked) when asked.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        check_headers(&request.headers)?;
        if request
            .body
            .as_ref()
            .is_some_and(|b| b.len() > MAX_REQUEST_BODY)
        {
            return Err(Error::Failed(format!(
                "http: request body over the {MAX_REQUEST_BODY}-byte cap"
            )));
        }
        let timeout = request
            .timeout_ms
            .map(|ms| Duration::from_millis(u64::from(ms)).min(MAX_TOTAL_TIMEOUT))
            .unwrap_or(MAX_TOTAL_TIMEOUT);
        let work = self.send_following(request);
        tokio::time::timeout(timeout, work).await.map_err(|_| {
            Error::Unavailable(format!(
                "http: no complete response within {}ms",
                timeout.as_millis()
            ))
        })?
    }

    async fn send_following(&self, request: Request) -> Result<Response, Error> {
        let mut url = self.permitted(&request.url)?;
        let mut method = request.method;
        let mut body = request.body;
        for _ in 0..=MAX_REDIRECTS {
            let response = self
                .send_once(method, &url, &request.headers, body.clone())
                .await?;
            let location = response.headers().get(reqwest::header::LOCATION).cloned();
            let status = response.status();
            let (true, Some(location)) = (
                request.follow_redirects && status.is_redirection(),
                location,
            ) else {
                return read_response(response, &url).await;
            };
            let next = location
                .to_str()
                .ok()
                .and_then(|l| url.join(l).ok())
                .ok_or_else(|| {
                    Error::Failed(format!("http: {url} redirected to an invalid location"))
                })?;
            url = self.permitted(next.as_str()).map_err(|e| match e {
                Error::Denied(m) => {
                    Error::Denied(format!("{m}; reached by a redirect from {}", request.url))
                }
                other => other,
            })?;
            if status == reqwest::StatusCode::SEE_OTHER
                || (matches!(status.as_u16(), 301 | 302) && method == Method::Post)
            {
                method = Method::Get;
                body = None;
            }
        }
        Err(Error::Failed(format!(
            "http: more than {MAX_REDIRECTS} redirects from {}",
            request.url
        )))
    }

    async fn send_once(
        &self,
        method: Method,
        url: &Url,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::Response, Error> {
        let mut builder = self.client.request(reqwest_method(method), url.clone());
        for (name, value) in headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = body {
            builder = builder.body(body);
        }
        builder.send().await.map_err(|e| {
            let kind = if e.is_timeout() {
                "timed out"
            } else {
                "failed"
            };
            Error::Unavailable(format!(
                "http: {} {url} {kind}: {}",
                method_name(method),
                error_chain(&e)
            ))
        })
    }
}

fn check_headers(headers: &[(String, String)]) -> Result<(), Error> {
    let bytes: usize = headers.iter().map(|(n, v)| n.len() + v.len()).sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return Err(Error::Failed(format!(
            "http: request headers over the cap ({MAX_HEADERS} headers, {MAX_HEADER_BYTES} bytes)"
        )));
    }
    Ok(())
}

async fn read_response(response: reqwest::Response, url: &Url) -> Result<Response, Error> {
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .take(MAX_HEADERS)
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if response
        .content_length()
        .is_some_and(|len| len > MAX_RESPONSE_BODY as u64)
    {
        return Err(too_large(url));
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| Error::Unavailable(format!("http: reading {url}: {}", error_chain(&e))))?;
        if body.len() + chunk.len() > MAX_RESPONSE_BODY {
            return Err(too_large(url));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response {
        status,
        headers,
        body,
        final_url: url.to_string(),
    })
}

fn too_large(url: &Url) -> Error {
    Error::Failed(format!(
        "http: response from {url} is over the {MAX_RESPONSE_BODY}-byte cap"
    ))
}

fn reqwest_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
        Method::Options => reqwest::Method::OPTIONS,
    }
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
        Method::Options => "OPTIONS",
    }
}

impl Host for HttpCap {
    async fn send(&mut self, request: Request) -> wasmtime::Result<Result<Response, Error>> {
        Ok(HttpCap::send(self, request).await)
    }

    async fn send_all(
        &mut self,
        requests: Vec<Request>,
    ) -> wasmtime::Result<Vec<Result<Response, Error>>> {
        let this = &*self;
        Ok(futures::stream::iter(requests)
            .map(|request| this.send(request))
            .buffered(MAX_IN_FLIGHT)
            .collect()
            .await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(origins: &[&str]) -> HttpCap {
        HttpCap::new(
            "test",
            &origins.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn the_default_port_makes_the_same_origin_as_an_explicit_one() {
        let c = cap(&["https://api.example.com"]);
        assert!(c.permitted("https://api.example.com:443/v1/x?y=1").is_ok());
    }

    #[test]
    fn another_port_scheme_or_host_is_denied() {
        let c = cap(&["http://127.0.0.1:2019"]);
        for url in [
            "http://127.0.0.1:2020/",
            "https://127.0.0.1:2019/",
            "http://localhost:2019/",
            "http://127.0.0.1/",
        ] {
            assert!(
                matches!(c.permitted(url), Err(Error::Denied(_))),
                "{url} should be denied"
            );
        }
    }

    #[test]
    fn a_denial_names_the_origin_and_the_plugin() {
        let err = cap(&[])
            .permitted("http://169.254.169.254/latest")
            .unwrap_err();
        assert!(
            matches!(&err, Error::Denied(m) if m.contains("http://169.254.169.254:80") && m.contains("`test`") && m.contains("granted: none"))
        );
    }

    #[test]
    fn non_http_schemes_are_denied() {
        assert!(matches!(
            cap(&[]).permitted("file:///etc/passwd"),
            Err(Error::Denied(_))
        ));
    }

    #[tokio::test]
    async fn send_all_answers_each_request_in_order_checked_like_send() {
        let get = |url: &str| Request {
            method: Method::Get,
            url: url.to_owned(),
            headers: Vec::new(),
            body: None,
            timeout_ms: Some(2000),
            follow_redirects: false,
        };
        let mut c = cap(&["http://127.0.0.1:1"]);
        let results = Host::send_all(
            &mut c,
            vec![get("http://169.254.169.254/"), get("http://127.0.0.1:1/")],
        )
        .await
        .unwrap();
        assert!(matches!(&results[0], Err(Error::Denied(_))), "{results:?}");
        assert!(
            matches!(&results[1], Err(Error::Unavailable(_))),
            "{results:?}"
        );
    }
}
