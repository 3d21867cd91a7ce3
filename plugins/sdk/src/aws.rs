//! AWS Signature Version 4: the `Authorization` header every AWS API (and moto, and any S3-like
//! store) wants, computed in the plugin from credentials the plan grants as secrets. The host
//! never learns what the signature is for; the plugin's `http` grant decides where it may go.
//!
//! ```
//! use sluice_sdk::aws::{Credentials, Signer, amz_date};
//!
//! let signer = Signer {
//!     credentials: Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
//!     region: "us-east-1",
//!     service: "service",
//! };
//! let date = amz_date(1_440_938_160); // 2015-08-30T12:36:00Z
//! let signed = signer.sign(&date, "GET", "example.amazonaws.com", "/", &[], &[], b"");
//! assert!(signed.authorization.ends_with(
//!     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
//! ));
//! ```

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// An access key, with the session token of temporary credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `AKIA...`.
    pub access_key_id: String,
    /// The secret access key (sign with it; never log it).
    pub secret_access_key: String,
    /// The session token of temporary credentials, sent as `x-amz-security-token`.
    pub session_token: Option<String>,
}

impl Credentials {
    /// Long-term credentials: an access key id and its secret.
    pub fn new(access_key_id: &str, secret_access_key: &str) -> Credentials {
        Credentials {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: None,
        }
    }
}

/// Signs requests for one service in one region.
#[derive(Debug, Clone)]
pub struct Signer<'a> {
    /// Whose requests they are.
    pub credentials: Credentials,
    /// `us-east-1`.
    pub region: &'a str,
    /// `s3`, `cloudfront`, `ecs`, `lambda`, ...
    pub service: &'a str,
}

/// The headers a signed request must carry, besides its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `x-amz-date`: the time it was signed at.
    pub amz_date: String,
    /// `x-amz-content-sha256`: the payload's sha256 (S3 wants it).
    pub content_sha256: String,
    /// `x-amz-security-token`, for temporary credentials.
    pub security_token: Option<String>,
    /// `Authorization`.
    pub authorization: String,
}

impl Signed {
    /// The headers to add, as (name, value) pairs.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![
            ("x-amz-date".to_owned(), self.amz_date.clone()),
            (
                "x-amz-content-sha256".to_owned(),
                self.content_sha256.clone(),
            ),
            ("authorization".to_owned(), self.authorization.clone()),
        ];
        if let Some(token) = &self.security_token {
            headers.push(("x-amz-security-token".to_owned(), token.clone()));
        }
        headers
    }
}

impl Signer<'_> {
    /// Signs a request at `amz_date` (`YYYYMMDDTHHMMSSZ`, see [`amz_date`]): `method` to `host`
    /// (with `:port` unless it is the scheme's default) at `path` (not yet percent-encoded),
    /// with the `query` pairs (not encoded), the `headers` it will send besides `host` and the
    /// `x-amz-*` ones this adds, and `payload`. Every header given is signed.
    #[allow(clippy::too_many_arguments)]
    pub fn sign(
        &self,
        amz_date: &str,
        method: &str,
        host: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        payload: &[u8],
    ) -> Signed {
        let content_sha256 = hex(&Sha256::digest(payload));
        let mut signed: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), canonical_value(value)))
            .collect();
        signed.push(("host".to_owned(), host.to_owned()));
        signed.push(("x-amz-date".to_owned(), amz_date.to_owned()));
        if self.service == "s3" {
            signed.push(("x-amz-content-sha256".to_owned(), content_sha256.clone()));
        }
        if let Some(token) = &self.credentials.session_token {
            signed.push(("x-amz-security-token".to_owned(), token.clone()));
        }
        signed.sort();
        let signed_names = signed
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let canonical_headers: String = signed
            .iter()
            .map(|(name, value)| format!("{name}:{value}\n"))
            .collect();
        let canonical_request = format!(
            "{method}\n{}\n{}\n{canonical_headers}\n{signed_names}\n{content_sha256}",
            canonical_path(path),
            canonical_query(query),
        );
        let date = &amz_date[..amz_date.len().min(8)];
        let scope = format!("{date}/{}/{}/aws4_request", self.region, self.service);
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical_request.as_bytes()))
        );
        let key = signing_key(
            &self.credentials.secret_access_key,
            date,
            self.region,
            self.service,
        );
        let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
        Signed {
            amz_date: amz_date.to_owned(),
            content_sha256,
            security_token: self.credentials.session_token.clone(),
            authorization: format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_names}, \
                 Signature={signature}",
                self.credentials.access_key_id
            ),
        }
    }
}

/// `YYYYMMDDTHHMMSSZ` for `unix_seconds` (UTC), as `x-amz-date` wants it.
pub fn amz_date(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let seconds = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Percent-encodes `text` as SigV4 wants: everything but `A-Z a-z 0-9 - _ . ~`, and `/` when
/// `keep_slash`.
pub fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char)
            }
            b'/' if keep_slash => encoded.push('/'),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        "/".to_owned()
    } else {
        uri_encode(path, true)
    }
}

fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(key, value)| (uri_encode(key, false), uri_encode(value, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value as signed: trimmed, runs of spaces made one.
fn canonical_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let key = hmac(&key, region.as_bytes());
    let key = hmac(&key, service.as_bytes());
    hmac(&key, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Year, month, day of the day `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The credentials, region, service and time of AWS's SigV4 test suite.
    fn suite() -> Signer<'static> {
        Signer {
            credentials: Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ),
            region: "us-east-1",
            service: "service",
        }
    }

    const DATE: &str = "20150830T123600Z";
    const HOST: &str = "example.amazonaws.com";

    fn signature(method: &str, path: &str, query: &[(&str, &str)], payload: &[u8]) -> String {
        let signed = suite().sign(DATE, method, HOST, path, query, &[], payload);
        let (scope, signature) = signed.authorization.split_once(", Signature=").unwrap();
        assert_eq!(
            scope,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date"
        );
        signature.to_owned()
    }

    #[test]
    fn the_signing_key_is_the_suites() {
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "service",
        );
        assert_eq!(
            hex(&key),
            "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75"
        );
    }

    #[test]
    fn the_signatures_are_the_suites_get_vanilla_query_order_utf8_and_post_vanilla() {
        for (case, method, path, query, expected) in [
            (
                "get-vanilla",
                "GET",
                "/",
                &[][..],
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "get-vanilla-query-order-key-case",
                "GET",
                "/",
                &[("Param2", "value2"), ("Param1", "value1")][..],
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
            (
                "get-utf8",
                "GET",
                "/ሴ",
                &[][..],
                "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
            ),
            (
                "post-vanilla",
                "POST",
                "/",
                &[][..],
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
        ] {
            assert_eq!(signature(method, path, query, b""), expected, "{case}");
        }
    }

    #[test]
    fn s3_signs_the_payload_hash_and_temporary_credentials_sign_their_token() {
        let signer = Signer {
            service: "s3",
            credentials: Credentials {
                session_token: Some("token".to_owned()),
                ..suite().credentials
            },
            ..suite()
        };
        let signed = signer.sign(
            DATE,
            "PUT",
            "127.0.0.1:5000",
            "/b/k",
            &[],
            &[("Content-Type", " text/html ")],
            b"x",
        );
        assert!(
            signed.authorization.contains(
                "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
            ),
            "{}",
            signed.authorization
        );
        assert_eq!(
            signed.content_sha256,
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        );
        assert_eq!(signed.headers().len(), 4);
    }

    #[test]
    fn amz_dates_and_encoding() {
        assert_eq!(amz_date(1_440_938_160), DATE);
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(951_782_400), "20000229T000000Z");
        assert_eq!(uri_encode("a b/c~", true), "a%20b/c~");
        assert_eq!(uri_encode("a b/c", false), "a%20b%2Fc");
    }
}
