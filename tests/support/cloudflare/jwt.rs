//! Upload tokens: HS256 JWTs whose payload carries the project, the file limit and the expiry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// Issues and checks upload tokens.
pub struct Tokens {
    key: [u8; 32],
    issued: u64,
    /// Tokens numbered up to this one are revoked.
    revoked_up_to: u64,
}

/// Why a token is refused.
pub enum Refusal {
    Malformed,
    BadSignature,
    Expired,
    Revoked,
}

impl Tokens {
    /// Tokens signed with a key of this emulator's own.
    pub fn new() -> Tokens {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Tokens {
            key: Sha256::digest(format!("upload tokens {seed} {}", std::process::id()).as_bytes())
                .into(),
            issued: 0,
            revoked_up_to: 0,
        }
    }

    /// A token for `project` allowing `max_files`, expiring after `lifetime`.
    pub fn issue(
        &mut self,
        account: &str,
        project: &str,
        max_files: usize,
        lifetime: Duration,
    ) -> String {
        self.issued += 1;
        let now = seconds_now();
        let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "HS256", "typ": "JWT" }).to_string());
        let payload = URL_SAFE_NO_PAD.encode(
            json!({
                "account_id": account,
                "project_name": project,
                "max_file_count_allowed": max_files,
                "iat": now,
                "exp": now + lifetime.as_secs(),
                "jti": self.issued,
            })
            .to_string(),
        );
        let signed = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(hmac(&self.key, signed.as_bytes()));
        format!("{signed}.{signature}")
    }

    /// Revokes every token issued so far.
    pub fn revoke_all(&mut self) {
        self.revoked_up_to = self.issued;
    }

    /// The payload of a valid token, or why it is refused.
    pub fn check(&self, jwt: &str) -> Result<Value, Refusal> {
        let parts: Vec<&str> = jwt.split('.').collect();
        let [header, payload, signature] = parts.as_slice() else {
            return Err(Refusal::Malformed);
        };
        let expected = hmac(&self.key, format!("{header}.{payload}").as_bytes());
        if URL_SAFE_NO_PAD.decode(signature).ok().as_deref() != Some(&expected[..]) {
            return Err(Refusal::BadSignature);
        }
        let claims: Value = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(Refusal::Malformed)?;
        if claims["jti"].as_u64().unwrap_or(0) <= self.revoked_up_to {
            return Err(Refusal::Revoked);
        }
        if claims["exp"].as_u64().unwrap_or(0) <= seconds_now() {
            return Err(Refusal::Expired);
        }
        Ok(claims)
    }
}

fn seconds_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// HMAC-SHA256 (RFC 2104) with a key of at most one block.
fn hmac(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut padded = [0u8; BLOCK];
    padded[..key.len()].copy_from_slice(key);
    let inner_key: Vec<u8> = padded.iter().map(|b| b ^ 0x36).collect();
    let outer_key: Vec<u8> = padded.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_key)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_key)
        .chain_update(inner)
        .finalize()
        .into()
}
