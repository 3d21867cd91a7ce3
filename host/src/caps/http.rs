//! `sluice:deploy/http`: outgoing HTTP requests, only to granted origins.
//!
//! Threat model: a hostile plugin could call any host it likes (exfiltration, internal
//! services, cloud metadata), reach a granted host on another port or scheme, bounce through a
//! granted host's redirect to an ungranted one, use a granted *name* whose DNS answer points
//! inside (a name resolving to 127.0.0.1 or 169.254.169.254, or one that changes its answer
//! between the check and the connection: DNS rebinding), or exhaust the host with huge bodies,
//! headers or never-ending responses. What stops it: a request's origin (scheme, host, port)
//! must equal a granted origin; redirects are followed by the host only, each hop checked like
//! the first request; the host looks a granted name up itself, refuses it when any address it
//! resolves to is not public (loopback, private, link-local, shared, metadata, unspecified,
//! broadcast, multicast, reserved; IPv4-mapped and other embedded forms judged as the IPv4
//! address) unless the grant says `internal = true` (internal networks, never metadata), and
//! connects only to the addresses it checked (see `connect`); `localhost` is the loopback
//! addresses without a lookup, and an origin written as an IP address reaches exactly that
//! address. Proxy settings of the environment are ignored. Request and response bodies and
//! headers are capped, and every request has a connect and a total timeout.
//!
//! The same capability answers `wasi:http/outgoing-handler` (what `fetch()` in a JavaScript
//! plugin and other toolchains' HTTP clients import): wasmtime-wasi-http parses the guest's
//! request, and its send hook hands it to the same [`HttpCap`] of the call (see `wasi`), so every
//! check above applies to both entry points, under the same `http` grant.
//!
//! The host's own probes of what a plugin staged (`gates::TargetPolicy`) are held to the same
//! rules with the same parts: [`classify`], [`Grant`], [`lookup`], [`refuse_unless_allowed`] and
//! the pinned client of `connect`.

mod address;
mod capability;
mod connect;
mod message;
mod origin;
#[cfg(test)]
mod tests;
mod wasi;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use url::Url;

pub use address::{AddressClass, METADATA_ADDRESSES, classify};
pub use capability::Http;
pub use connect::{LOOPBACK, build as pinned_client, lookup, refuse_unless_allowed};
pub use origin::{Grant, Origin, Reach};

use super::calls::{Note, note};
use super::log::LogCap;
use super::{CapError, error_chain};
use crate::plan::model::HttpGrant;
use crate::wit::http::{Host, Method, Request, Response};
use crate::wit::types::Error;
use connect::Connector;

/// The largest request body accepted from a plugin.
pub const MAX_REQUEST_BODY: usize = 64 * 1024 * 1024;
/// The largest response body handed to a plugin.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;
/// The most headers in a request or response.
pub const MAX_HEADERS: usize = 100;
/// The most bytes of all header names and values together, in a request or a response.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;
/// The longest a request may take when the plugin asks for no timeout or a longer one.
pub const MAX_TOTAL_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most requests of one lifecycle call in flight at once, through `send-all` or
/// `wasi:http`; the rest wait for a free place.
pub const MAX_IN_FLIGHT: usize = 8;

/// The http capability of one lifecycle call.
pub struct HttpCap {
    plugin: String,
    granted: Vec<Grant>,
    /// Shared by the requests of one `send-all`; held only while a client is picked.
    connector: tokio::sync::Mutex<Connector>,
    /// [`MAX_IN_FLIGHT`] places, one held by each request being sent.
    in_flight: tokio::sync::Semaphore,
}

impl HttpCap {
    /// HTTP for `plugin`, allowed to reach the origins the plan grants it.
    pub fn new(plugin: &str, grants: &[HttpGrant]) -> Result<Self, CapError> {
        Ok(HttpCap {
            plugin: plugin.to_owned(),
            granted: grants.iter().map(Grant::parse).collect::<Result<_, _>>()?,
            connector: tokio::sync::Mutex::new(Connector::new(format!(
                "plugin `{plugin}` is granted"
            ))),
            in_flight: tokio::sync::Semaphore::new(MAX_IN_FLIGHT),
        })
    }

    /// The URL parsed and the grant that allows its origin.
    fn permitted(&self, url: &str) -> Result<(Url, Grant), Error> {
        let parsed = Url::parse(url)
            .map_err(|e| Error::InvalidConfig(format!("http: invalid URL `{url}`: {e}")))?;
        let origin = Origin::of(&parsed).ok_or_else(|| {
            Error::Denied(format!("http: `{url}` is not an http(s) URL with a host"))
        })?;
        match self.granted.iter().find(|grant| grant.origin == origin) {
            Some(grant) => Ok((parsed, grant.clone())),
            None => Err(Error::Denied(format!(
                "http: origin {origin} is not granted to plugin `{}` (granted: {})",
                self.plugin,
                self.granted_list()
            ))),
        }
    }

    fn granted_list(&self) -> String {
        if self.granted.is_empty() {
            return "none".to_owned();
        }
        self.granted
            .iter()
            .map(Grant::describe)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Sends `request`, following redirects (each hop checked like the first) when asked, once
    /// fewer than [`MAX_IN_FLIGHT`] requests of the call are in flight.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        note(Note::Reached(&format!(
            "{} {}",
            method_name(request.method),
            without_query(&request.url)
        )));
        let sent = request.body.as_ref().map_or(0, Vec::len);
        let result = self.send_checked(request).await;
        match &result {
            Ok(response) => note(Note::Bytes {
                sent: u64::try_from(sent).unwrap_or(u64::MAX),
                received: u64::try_from(response.body.len()).unwrap_or(u64::MAX),
            }),
            Err(Error::Denied(why)) => note(Note::Denied(why)),
            Err(_) => {}
        }
        result
    }

    /// [`HttpCap::send`] without its record.
    async fn send_checked(&self, request: Request) -> Result<Response, Error> {
        message::check_request(&request)?;
        let _place = self
            .in_flight
            .acquire()
            .await
            .map_err(|e| Error::Failed(format!("http: {e}")))?;
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

    /// Sends `requests`, at most [`MAX_IN_FLIGHT`] at once, each checked like [`HttpCap::send`];
    /// the answers in the order of the requests.
    pub async fn send_all(&self, requests: Vec<Request>) -> Vec<Result<Response, Error>> {
        futures::stream::iter(requests)
            .map(|request| self.send(request))
            .buffered(MAX_IN_FLIGHT)
            .collect()
            .await
    }

    async fn send_following(&self, request: Request) -> Result<Response, Error> {
        let (mut url, mut grant) = self.permitted(&request.url)?;
        let mut method = request.method;
        let mut body = request.body;
        for hop in 0..=MAX_REDIRECTS {
            let response = self
                .send_once(&grant, method, &url, &request.headers, body.clone())
                .await
                .map_err(|e| {
                    if hop == 0 {
                        e
                    } else {
                        reached_by_redirect(e, &request.url)
                    }
                })?;
            let location = response.headers().get(reqwest::header::LOCATION).cloned();
            let status = response.status();
            let (true, Some(location)) = (
                request.follow_redirects && status.is_redirection(),
                location,
            ) else {
                return message::read_response(response, &url).await;
            };
            let next = location
                .to_str()
                .ok()
                .and_then(|l| url.join(l).ok())
                .ok_or_else(|| {
                    Error::Failed(format!("http: {url} redirected to an invalid location"))
                })?;
            (url, grant) = self
                .permitted(next.as_str())
                .map_err(|e| reached_by_redirect(e, &request.url))?;
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
        grant: &Grant,
        method: Method,
        url: &Url,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::Response, Error> {
        // Recorded by a `CallRecorder`: whether a request changes anything depends on its method.
        let _request = tracing::trace_span!(
            super::calls::HOST_REQUEST,
            module = "http",
            function = method_name(method),
            target = url.path()
        );
        let client = self.connector.lock().await.client(grant).await?;
        let mut builder = client.request(reqwest_method(method), url.clone());
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

/// `url` without its credentials, query and fragment (which may carry tokens), for the call
/// record.
fn without_query(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
    }
}

/// A denial of a redirect hop, saying which request's redirect led there.
fn reached_by_redirect(error: Error, first: &str) -> Error {
    match error {
        Error::Denied(m) => Error::Denied(format!("{m}; reached by a redirect from {first}")),
        other => other,
    }
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

/// The http capability's state for one lifecycle call: one [`HttpCap`], reached through
/// `sluice:deploy/http` and through `wasi:http/outgoing-handler`.
pub struct HttpState {
    client: Arc<HttpCap>,
    wasi: wasi::WasiHttpState,
}

impl HttpState {
    /// HTTP for `plugin`, allowed to reach the origins the plan grants it; a `wasi:http` request
    /// the client denies is written to `log`, since the guest sees only an error code.
    pub fn new(plugin: &str, grants: &[HttpGrant], log: LogCap) -> Result<Self, CapError> {
        let client = Arc::new(HttpCap::new(plugin, grants)?);
        Ok(HttpState {
            wasi: wasi::WasiHttpState::new(client.clone(), log),
            client,
        })
    }

    /// What wasmtime-wasi-http works with: this state, and the call's WASI resource `table`
    /// (the streams and pollables of `wasi:io` that requests and responses hand out).
    pub fn wasi_view<'a>(
        &'a mut self,
        table: &'a mut wasmtime::component::ResourceTable,
    ) -> wasmtime_wasi_http::WasiHttpCtxView<'a> {
        self.wasi.view(table)
    }
}

impl Host for HttpState {
    async fn send(&mut self, request: Request) -> wasmtime::Result<Result<Response, Error>> {
        Ok(self.client.send(request).await)
    }

    async fn send_all(
        &mut self,
        requests: Vec<Request>,
    ) -> wasmtime::Result<Vec<Result<Response, Error>>> {
        Ok(self.client.send_all(requests).await)
    }
}
