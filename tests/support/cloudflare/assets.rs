//! `/pages/assets/*`: which hashes are missing, uploads, and upserting hashes.

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::json;

use super::api::{Answer, Handled, Shared, authorized_upload, fail, intercept, lock, ok};
use super::faults::Endpoint;
use super::state::Asset;

/// The most files in one upload request.
const MAX_REQUEST_FILES: usize = 2000;
/// The most decoded bytes in one upload request.
const MAX_REQUEST_BYTES: usize = 40 * 1024 * 1024;
/// The largest file.
const MAX_FILE_BYTES: usize = 25 * 1024 * 1024;

#[derive(Deserialize)]
struct Hashes {
    hashes: Vec<String>,
}

#[derive(Deserialize)]
struct Entry {
    key: String,
    value: String,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    base64: bool,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(rename = "contentType", default)]
    content_type: Option<String>,
}

fn is_hash(key: &str) -> bool {
    key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Answer> {
    serde_json::from_slice(body)
        .map_err(|e| fail(400, 8_000_000, format!("Request body is not valid: {e}")))
}

pub async fn check_missing(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Handled {
    intercept(&shared, Endpoint::CheckMissing).await?;
    let mut state = lock(&shared);
    let project = authorized_upload(&mut state, &headers)?;
    let hashes: Hashes = parse(&body)?;
    let missing: Vec<&String> = hashes
        .hashes
        .iter()
        .filter(|hash| state.asset(&project, hash).is_none())
        .collect();
    Ok(ok(json!(missing)))
}

/// Counts an upload being handled, for the most-in-flight counter.
struct InFlight(Shared);

impl InFlight {
    fn enter(shared: &Shared) -> InFlight {
        let mut state = lock(shared);
        state.uploads_in_flight += 1;
        state.counters.max_uploads_in_flight = state
            .counters
            .max_uploads_in_flight
            .max(state.uploads_in_flight);
        InFlight(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.0).uploads_in_flight -= 1;
    }
}

pub async fn upload(Extract(shared): Extract<Shared>, headers: HeaderMap, body: Bytes) -> Handled {
    let _in_flight = InFlight::enter(&shared);
    intercept(&shared, Endpoint::Upload).await?;
    let project = authorized_upload(&mut lock(&shared), &headers)?;
    let decoded = decode(parse(&body)?)?;
    let mut state = lock(&shared);
    let count = decoded.len();
    for (key, asset) in decoded {
        state.counters.bytes_uploaded += asset.bytes.len() as u64;
        state.counters.uploaded.push(key.clone());
        state
            .assets
            .entry(project.clone())
            .or_default()
            .insert(key, asset);
    }
    Ok(ok(
        json!({ "successful_key_count": count, "unsuccessful_keys": [] }),
    ))
}

/// Checks an upload against the limits and decodes it, all or nothing.
fn decode(entries: Vec<Entry>) -> Result<Vec<(String, Asset)>, Answer> {
    if entries.len() > MAX_REQUEST_FILES {
        return Err(fail(
            413,
            8_000_010,
            format!(
                "An upload may hold at most {MAX_REQUEST_FILES} files, this one holds {}",
                entries.len()
            ),
        ));
    }
    let mut decoded = Vec::with_capacity(entries.len());
    let mut total = 0;
    for entry in entries {
        if !is_hash(&entry.key) {
            return Err(fail(
                400,
                8_000_011,
                format!(
                    "Invalid asset key {:?}: expected 32 lowercase hex digits",
                    entry.key
                ),
            ));
        }
        let bytes = if entry.base64 {
            STANDARD.decode(entry.value.as_bytes()).map_err(|e| {
                fail(
                    400,
                    8_000_011,
                    format!("The value of {} is not base64: {e}", entry.key),
                )
            })?
        } else {
            entry.value.into_bytes()
        };
        if bytes.len() > MAX_FILE_BYTES {
            return Err(fail(
                413,
                8_000_010,
                format!(
                    "Asset {} is {} bytes; the limit is {MAX_FILE_BYTES}",
                    entry.key,
                    bytes.len()
                ),
            ));
        }
        total += bytes.len();
        let content_type = entry
            .metadata
            .content_type
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        decoded.push((
            entry.key,
            Asset {
                bytes,
                content_type,
            },
        ));
    }
    if total > MAX_REQUEST_BYTES {
        return Err(fail(
            413,
            8_000_010,
            format!("An upload may hold at most {MAX_REQUEST_BYTES} bytes, this one holds {total}"),
        ));
    }
    Ok(decoded)
}

pub async fn upsert_hashes(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Handled {
    intercept(&shared, Endpoint::UpsertHashes).await?;
    authorized_upload(&mut lock(&shared), &headers)?;
    parse::<Hashes>(&body)?;
    Ok(ok(json!(true)))
}
