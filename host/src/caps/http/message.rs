//! The size caps on what goes out and what comes back: headers and bodies.

use futures::StreamExt;
use url::Url;

use super::{MAX_HEADER_BYTES, MAX_HEADERS, MAX_REQUEST_BODY, MAX_RESPONSE_BODY};
use crate::caps::error_chain;
use crate::wit::http::{Request, Response};
use crate::wit::types::Error;

/// `Err(failed)` when the plugin's request is over a cap.
pub fn check_request(request: &Request) -> Result<(), Error> {
    if over_header_caps(request.headers.iter().map(|(n, v)| (n.len(), v.len()))) {
        return Err(Error::Failed(format!(
            "http: request headers over the cap ({MAX_HEADERS} headers, {MAX_HEADER_BYTES} bytes)"
        )));
    }
    if request
        .body
        .as_ref()
        .is_some_and(|b| b.len() > MAX_REQUEST_BODY)
    {
        return Err(Error::Failed(format!(
            "http: request body over the {MAX_REQUEST_BODY}-byte cap"
        )));
    }
    Ok(())
}

/// Whether headers of these (name, value) lengths are over a cap.
fn over_header_caps(lengths: impl Iterator<Item = (usize, usize)>) -> bool {
    let (count, bytes) = lengths.fold((0, 0), |(count, bytes), (name, value)| {
        (count + 1, bytes + name + value)
    });
    count > MAX_HEADERS || bytes > MAX_HEADER_BYTES
}

/// The whole response from `url`, or `failed` when its headers or body are over a cap.
pub async fn read_response(response: reqwest::Response, url: &Url) -> Result<Response, Error> {
    let status = response.status().as_u16();
    let raw = response.headers();
    if over_header_caps(raw.iter().map(|(n, v)| (n.as_str().len(), v.len()))) {
        return Err(Error::Failed(format!(
            "http: response headers from {url} over the cap ({MAX_HEADERS} headers, \
             {MAX_HEADER_BYTES} bytes)"
        )));
    }
    let headers: Vec<(String, String)> = raw
        .iter()
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
        return Err(body_too_large(url));
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| Error::Unavailable(format!("http: reading {url}: {}", error_chain(&e))))?;
        if body.len() + chunk.len() > MAX_RESPONSE_BODY {
            return Err(body_too_large(url));
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

fn body_too_large(url: &Url) -> Error {
    Error::Failed(format!(
        "http: response from {url} is over the {MAX_RESPONSE_BODY}-byte cap"
    ))
}
