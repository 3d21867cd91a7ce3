//! Building requests for the `http` capability and reading their answers: what every plugin that
//! drives a JSON API needs (headers, a JSON or form body, the answer as JSON or as a short excerpt
//! for an error message).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::http::{self, Method, Request, Response};

/// The most of a body quoted in an error message.
const EXCERPT_CHARS: usize = 300;

impl Method {
    /// The method's name as HTTP writes it (`GET`), e.g. for a request signature.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

impl Request {
    /// A request with no headers, no body, the host's default timeout and no redirects followed.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            timeout_ms: None,
            follow_redirects: false,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets `value`, serialised, as a JSON body (and its content type).
    pub fn with_json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self, Error> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Error::Failed(format!("cannot encode a request body: {e}")))?;
        let mut request = self.with_header("content-type", "application/json");
        request.body = Some(body);
        Ok(request)
    }

    /// Sets `fields` as an `application/x-www-form-urlencoded` body.
    pub fn with_form(self, fields: &[(&str, &str)]) -> Self {
        let body = fields
            .iter()
            .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(value)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = self.with_header("content-type", "application/x-www-form-urlencoded");
        request.body = Some(body.into_bytes());
        request
    }

    /// Sets the time the whole request may take.
    pub fn with_timeout_ms(mut self, timeout_ms: u32) -> Self {
        self.timeout_ms = Some(timeout_ms);
        self
    }

    /// Sends it through the `http` capability.
    pub fn send(&self) -> Result<Response, Error> {
        http::send(self)
    }
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON of type `T`; `what` names the answer in the error (`"the token answer"`).
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::Failed(format!(
                "{what} is not the JSON expected ({e}): {}",
                self.excerpt()
            ))
        })
    }

    /// The body as text, trimmed and cut short, for error messages.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        match text.char_indices().nth(EXCERPT_CHARS) {
            Some((cut, _)) => format!("{}...", &text[..cut]),
            None => text.to_owned(),
        }
    }

    /// The first value of the header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Percent-encodes `text` for a URL path segment, a query value or a form field: only the
/// unreserved characters (`A-Z a-z 0-9 - . _ ~`) stay as they are.
pub fn encode_component(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(char::from(byte));
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_keeps_unreserved_characters_and_escapes_the_rest() {
        assert_eq!(encode_component("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode_component("p@ss w&rd=1/2"), "p%40ss%20w%26rd%3D1%2F2");
        assert_eq!(encode_component("é"), "%C3%A9");
    }
}
