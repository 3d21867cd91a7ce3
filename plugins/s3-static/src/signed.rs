//! Requests to an AWS API, signed with Signature Version 4 and sent through the `http`
//! capability: what the S3 and CloudFront clients share.

use sluice_sdk::Error;
use sluice_sdk::aws::{Credentials, Signer, amz_date};
use sluice_sdk::http::{Method, Request, Response};

/// One AWS API: its base URL, region, service and credentials.
pub struct Api {
    base: String,
    region: String,
    service: &'static str,
    credentials: Credentials,
}

impl Api {
    /// The API at `base` (scheme, host and port, no path).
    pub fn new(base: &str, region: &str, service: &'static str, credentials: Credentials) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            service,
            credentials,
        }
    }

    /// Sends `method` to `path` (not percent-encoded) with `query`, `headers` and `body`,
    /// signed now.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, Error> {
        self.request(method, path, query, headers, body).send()
    }

    /// The request `send` sends, signed now, for [`sluice_sdk::http::send_all`].
    pub fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Request {
        let host = self
            .base
            .split_once("://")
            .map_or(self.base.as_str(), |(_, rest)| rest);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let signer = Signer {
            credentials: self.credentials.clone(),
            region: &self.region,
            service: self.service,
        };
        let signed = signer.sign(
            &amz_date(now),
            method.as_str(),
            host,
            path,
            query,
            headers,
            body,
        );
        let mut url = format!("{}{}", self.base, sluice_sdk::aws::uri_encode(path, true));
        if !query.is_empty() {
            let encoded: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        sluice_sdk::aws::uri_encode(k, false),
                        sluice_sdk::aws::uri_encode(v, false)
                    )
                })
                .collect();
            url = format!("{url}?{}", encoded.join("&"));
        }
        let mut request = Request::new(method, url);
        for (name, value) in headers {
            request = request.with_header(*name, *value);
        }
        for (name, value) in signed.headers() {
            request = request.with_header(name, value);
        }
        if !body.is_empty() || matches!(method, Method::Put | Method::Post) {
            request.body = Some(body.to_vec());
        }
        request
    }
}

/// The error for an answer that is not a success: AWS's own code and message when its XML
/// error says them, the status otherwise. `what` says what was asked.
pub fn failure(what: &str, response: &Response) -> Error {
    let body = String::from_utf8_lossy(&response.body);
    let code = crate::xml::first(&body, "Code").unwrap_or_default();
    let message = crate::xml::first(&body, "Message").unwrap_or_default();
    let reason = if code.is_empty() {
        format!("HTTP {}: {}", response.status, response.excerpt())
    } else {
        format!("HTTP {} {code}: {message}", response.status)
    };
    match response.status {
        401 | 403 => Error::Denied(format!("{what}: {reason}")),
        404 => Error::InvalidConfig(format!("{what}: {reason}")),
        _ => Error::Failed(format!("{what}: {reason}")),
    }
}
