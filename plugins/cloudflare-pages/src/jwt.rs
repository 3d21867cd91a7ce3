//! The upload token: a JWT whose payload the client reads without checking the signature, for
//! the file-count limit (`max_file_count_allowed`) and the expiry (`exp`).

use crate::site::DEFAULT_MAX_FILES;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::{Engine, alphabet};
use sluice_sdk::Error;

/// Padding optional, as Node's `Buffer` reads base64.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
/// URL-safe base64 (what JWTs use), padding optional.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
/// Standard base64 (what some issuers use), padding optional.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

/// An upload token and what its payload says.
#[derive(Debug, Clone)]
pub struct UploadToken {
    /// The JWT itself, sent as `Authorization: Bearer`.
    pub jwt: String,
    /// The most files one deployment may hold.
    pub max_files: usize,
    /// When it expires, in seconds since the Unix epoch (none: the payload does not say).
    pub expires_at: Option<f64>,
}

impl UploadToken {
    /// Reads the payload of `jwt`; a token that is not three dot-separated parts with a JSON
    /// payload is refused, as wrangler refuses it.
    pub fn parse(jwt: &str) -> Result<UploadToken, Error> {
        let invalid =
            |why: &str| Error::Failed(format!("the upload token from the API is invalid: {why}"));
        let parts: Vec<&str> = jwt.split('.').collect();
        let [_, payload, _] = parts.as_slice() else {
            return Err(invalid("not three dot-separated parts"));
        };
        let bytes = decode(payload).ok_or_else(|| invalid("its payload is not base64"))?;
        let claims: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| invalid("its payload is not JSON"))?;
        let max_files = claims["max_file_count_allowed"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(DEFAULT_MAX_FILES);
        Ok(UploadToken {
            jwt: jwt.to_owned(),
            max_files,
            expires_at: claims["exp"].as_f64(),
        })
    }

    /// Whether the token has expired at `now` (seconds since the epoch).
    pub fn expired_at(&self, now: f64) -> bool {
        self.expires_at.is_some_and(|exp| exp <= now)
    }
}

fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_LENIENT
        .decode(text)
        .or_else(|_| STANDARD_LENIENT.decode(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(payload: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn the_payload_gives_the_file_limit_and_the_expiry() {
        let token =
            UploadToken::parse(&jwt(r#"{"max_file_count_allowed": 5, "exp": 100}"#)).unwrap();
        assert_eq!(token.max_files, 5);
        assert!(!token.expired_at(99.5));
        assert!(token.expired_at(100.0));
    }

    #[test]
    fn without_claims_the_default_limit_applies_and_it_never_expires() {
        let token = UploadToken::parse(&jwt("{}")).unwrap();
        assert_eq!(token.max_files, 20_000);
        assert!(!token.expired_at(f64::MAX));
    }

    #[test]
    fn a_payload_with_url_safe_characters_and_no_padding_is_read() {
        let token =
            UploadToken::parse(&jwt(r#"{"sub":"??>>","max_file_count_allowed":7}"#)).unwrap();
        assert_eq!(token.max_files, 7);
    }

    #[test]
    fn a_token_that_is_not_a_jwt_is_refused() {
        for bad in [
            "abc",
            "a.b",
            "a.!!!.c",
            &format!("a.{}.c", URL_SAFE_NO_PAD.encode("nope")),
        ] {
            let error = UploadToken::parse(bad).unwrap_err().to_string();
            assert!(error.contains("upload token"), "{bad}: {error}");
        }
    }
}
