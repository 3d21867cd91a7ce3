//! `wasi:http/outgoing-handler` through the http capability: wasmtime-wasi-http turns the
//! guest's resources into an `http::Request`, and its send hook ([`Hooks`]) sends it with the
//! call's [`HttpCap`], so the same origin grants, address checks, redirect re-checks at every
//! hop, caps, timeouts and in-flight limit apply as to `sluice:deploy/http`. Only the shape
//! differs:
//!
//! - the request body is read whole (at most [`MAX_REQUEST_BODY`] bytes) before anything is
//!   sent, and the response is handed back whole, after its caps were checked;
//! - redirects are followed by the host, each hop checked (what `fetch()` asks by default);
//! - the guest's first-byte timeout, if it sets one, bounds the whole exchange (itself capped):
//!   the guest sees no byte before the whole response was read;
//! - a failure reaches the guest as a wasi:http `error-code`: a denial as
//!   `HTTP-request-denied`, anything else as `internal-error` with the host's text. An error
//!   code carries no text, so the host writes a denial's text, the one `sluice:deploy/http`
//!   returns, to the plugin's log: what was denied and why shows even when the plugin swallows
//!   the error.
//!
//! Headers follow wasmtime-wasi-http's rules (hop-by-hop headers are forbidden); no `host`
//! header is added from the guest's authority: the client sets it from the URL it checked.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tracing::Instrument;
use tracing::instrument::WithSubscriber;
use wasmtime::component::ResourceTable;
use wasmtime_wasi_http::{
    Error as WasiError, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks,
};

use super::super::calls;
use super::{HttpCap, MAX_REQUEST_BODY};
use crate::caps::log::{Level, LogCap};
use crate::wit::http::{Method, Request, Response};
use crate::wit::types::Error;

/// A response future's second half: nothing goes on after the response is handed over.
type Done = Box<dyn Future<Output = Result<(), WasiError>> + Send>;

/// What wasmtime-wasi-http needs of one call besides the resource table.
pub struct WasiHttpState {
    ctx: WasiHttpCtx,
    hooks: Hooks,
}

impl WasiHttpState {
    /// Requests sent with `client`; denials written to `log`.
    pub fn new(client: Arc<HttpCap>, log: LogCap) -> Self {
        WasiHttpState {
            ctx: WasiHttpCtx::new(),
            hooks: Hooks { client, log },
        }
    }

    /// The view wasmtime-wasi-http works with, its resources kept in `table`.
    pub fn view<'a>(&'a mut self, table: &'a mut ResourceTable) -> WasiHttpCtxView<'a> {
        WasiHttpCtxView {
            ctx: &mut self.ctx,
            table,
            hooks: &mut self.hooks,
        }
    }
}

/// The send hook: every outgoing request goes through the call's [`HttpCap`].
struct Hooks {
    client: Arc<HttpCap>,
    log: LogCap,
}

impl WasiHttpHooks for Hooks {
    fn set_host_header(&mut self) -> bool {
        false
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_errors: Done,
    ) -> Box<dyn Future<Output = Result<(http::Response<WasiBody>, Done), WasiError>> + Send> {
        let client = self.client.clone();
        let log = self.log.clone();
        // wasmtime-wasi-http sends the request from a task of its own, outside the guest's
        // `handle` call: the request is recorded as an `http.send` of its own (see
        // `caps::calls`), under the subscriber of the guest's call.
        let call = tracing::trace_span!(calls::BINDINGS_SPAN, module = "http", function = "send");
        let subscriber = tracing::dispatcher::get_default(tracing::Dispatch::clone);
        Box::new(
            async move {
                let request = wit_request(request, options).await?;
                match client.send(request).await {
                    Ok(response) => Ok((
                        guest_response(response)?,
                        Box::new(async { Ok(()) }) as Done,
                    )),
                    Err(error) => Err(guest_error(error, &log)),
                }
            }
            .instrument(call)
            .with_subscriber(subscriber),
        )
    }
}

/// The guest's request as the http capability takes it, its body read whole.
async fn wit_request(
    request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
) -> Result<Request, WasiError> {
    let (parts, mut body) = request.into_parts();
    let method = wit_method(&parts.method).ok_or(WasiError::HttpRequestMethodInvalid)?;
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let value = value.to_str().map_err(|_| {
            WasiError::InternalError(Some(format!("http: header `{name}` is not text")))
        })?;
        headers.push((name.as_str().to_owned(), value.to_owned()));
    }
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if bytes.len() + data.len() > MAX_REQUEST_BODY {
                return Err(WasiError::HttpRequestBodySize(Some(
                    MAX_REQUEST_BODY as u64,
                )));
            }
            bytes.extend_from_slice(&data);
        }
    }
    let timeout_ms = options
        .and_then(|o| o.first_byte_timeout)
        .map(|t| u32::try_from(t.as_millis()).unwrap_or(u32::MAX));
    Ok(Request {
        method,
        url: parts.uri.to_string(),
        headers,
        body: (!bytes.is_empty()).then_some(bytes),
        timeout_ms,
        follow_redirects: true,
    })
}

/// The capability's method for `method`; `None` for one it does not send (CONNECT, TRACE...).
fn wit_method(method: &http::Method) -> Option<Method> {
    Some(match *method {
        http::Method::GET => Method::Get,
        http::Method::HEAD => Method::Head,
        http::Method::POST => Method::Post,
        http::Method::PUT => Method::Put,
        http::Method::PATCH => Method::Patch,
        http::Method::DELETE => Method::Delete,
        http::Method::OPTIONS => Method::Options,
        _ => return None,
    })
}

/// The capability's response as wasmtime-wasi-http hands it to the guest.
fn guest_response(response: Response) -> Result<http::Response<WasiBody>, WasiError> {
    let mut builder = http::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    let body = Full::new(Bytes::from(response.body))
        .map_err(|never| match never {})
        .boxed_unsync();
    builder
        .body(body)
        .map_err(|e| WasiError::InternalError(Some(format!("http: {e}"))))
}

/// The wasi:http error for `error`; a denial's text is written to `log` first.
fn guest_error(error: Error, log: &LogCap) -> WasiError {
    match error {
        Error::Denied(message) => {
            log.emit(Level::Warn, &format!("denied: {message}"));
            WasiError::HttpRequestDenied
        }
        Error::InvalidConfig(message) | Error::Unavailable(message) | Error::Failed(message) => {
            WasiError::InternalError(Some(message))
        }
    }
}
