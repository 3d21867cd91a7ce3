//! Getting a site's assets to Pages, as wrangler does: an upload token, the hashes the project
//! lacks (`check-missing`), those files in buckets over parallel streams (`upload`), then every
//! hash the deployment uses (`upsert-hashes`). Retries follow [`crate::retry`].

use crate::api::{Api, ApiError, Auth, Call};
use crate::buckets::Bucket;
use crate::jwt::UploadToken;
use crate::retry::{self, Retries};
use crate::site::{Site, human_size};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sluice_sdk::Error;
use std::collections::{BTreeSet, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes of JSON around one file in an upload body, besides its base64 and content type.
const JSON_PER_FILE: usize = 96;

/// What an upload sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    /// Files sent.
    pub files: usize,
    /// Their bytes (before base64).
    pub bytes: u64,
}

/// An upload session: the API and the current upload token.
pub struct Uploads<'a> {
    api: &'a Api,
    token: UploadToken,
}

#[derive(Deserialize)]
struct TokenResult {
    jwt: String,
}

impl<'a> Uploads<'a> {
    /// Fetches an upload token for the project.
    pub fn start(api: &'a Api) -> Result<Uploads<'a>, Error> {
        Ok(Uploads {
            token: fetch_token(api)?,
            api,
        })
    }

    /// The most files one deployment may hold, as the upload token says.
    pub fn max_files(&self) -> usize {
        self.token.max_files
    }

    /// The hashes among `hashes` that the project does not have yet.
    pub fn missing(&mut self, hashes: &[String]) -> Result<BTreeSet<String>, Error> {
        let missing: Vec<String> = self.with_retries(
            retry::Call::CheckMissing,
            "/pages/assets/check-missing",
            &hashes_body(hashes),
        )?;
        Ok(missing.into_iter().collect())
    }

    /// Tells Pages that the deployment uses `hashes`. A failure is only a warning, as in
    /// wrangler: the next deployment may upload more than it needs to.
    pub fn upsert(&mut self, hashes: &[String]) -> Result<(), Error> {
        let result: Result<serde_json::Value, Error> = self.with_retries(
            retry::Call::UpsertHashes,
            "/pages/assets/upsert-hashes",
            &hashes_body(hashes),
        );
        if let Err(e) = result {
            sluice_sdk::warn!(
                "Pages did not take the list of hashes ({}); this deployment is complete, the next one may upload more than it needs",
                e.message()
            );
        }
        Ok(())
    }

    /// Uploads `buckets` of `site`, `streams` at a time (one after a gateway timeout).
    pub fn upload(
        &mut self,
        site: &Site,
        buckets: Vec<Bucket>,
        mut streams: usize,
    ) -> Result<Uploaded, Error> {
        let total_files: usize = buckets.iter().map(|b| b.assets.len()).sum();
        let mut queue: VecDeque<(Bucket, Retries)> = buckets
            .into_iter()
            .map(|bucket| (bucket, Retries::new(retry::Call::Upload)))
            .collect();
        let mut done = Uploaded::default();
        while !queue.is_empty() {
            self.refresh_if_expired()?;
            let wave: Vec<(Bucket, Retries)> = queue.drain(..streams.min(queue.len())).collect();
            let calls = wave
                .iter()
                .map(|(bucket, _)| upload_call(site, bucket, &self.token.jwt))
                .collect::<Result<Vec<_>, _>>()?;
            let outcomes = self.api.send_all::<serde_json::Value>(calls);
            let mut again = Vec::new();
            let (mut wait, mut refresh) = (0, false);
            for ((bucket, mut retries), outcome) in wave.into_iter().zip(outcomes) {
                let error = match outcome {
                    Ok(_) => {
                        done.files += bucket.assets.len();
                        done.bytes += bucket.bytes;
                        sluice_sdk::log::progress(
                            done.files as u64,
                            total_files as u64,
                            "uploaded",
                        );
                        continue;
                    }
                    Err(error) => error,
                };
                let Some(retry) = retries.after(error.failure(), self.expired()) else {
                    return Err(error.into_error(format!(
                        "uploading a bucket of {} files ({}) failed; giving up after the documented retries",
                        bucket.assets.len(),
                        human_size(bucket.bytes)
                    )));
                };
                sluice_sdk::debug!("{error}; retrying");
                wait = wait.max(retry.wait_units);
                refresh |= retry.refresh_token;
                if retry.one_stream && streams > 1 {
                    sluice_sdk::info!("the gateway timed out: uploading one bucket at a time");
                    streams = 1;
                }
                again.push((bucket, retries));
            }
            if !again.is_empty() {
                self.api.wait(wait);
                if refresh {
                    self.refresh()?;
                }
                for item in again.into_iter().rev() {
                    queue.push_front(item);
                }
            }
        }
        Ok(done)
    }

    /// POSTs the JSON `body` to `path` with the current token until it succeeds or `call`'s
    /// retries are used up.
    fn with_retries<T: serde::de::DeserializeOwned>(
        &mut self,
        call: retry::Call,
        path: &str,
        body: &[u8],
    ) -> Result<T, Error> {
        let mut retries = Retries::new(call);
        let mut attempts = 0;
        loop {
            self.refresh_if_expired()?;
            attempts += 1;
            let request = Call::post(path, Auth::Upload(&self.token.jwt)).json(body.to_vec());
            let error = match self.api.send(request) {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let Some(retry) = retries.after(error.failure(), self.expired()) else {
                return Err(error.into_error(format!("giving up after {attempts} attempts")));
            };
            sluice_sdk::debug!("{error}; retrying");
            self.api.wait(retry.wait_units);
            if retry.refresh_token {
                self.refresh()?;
            }
        }
    }

    fn expired(&self) -> bool {
        self.token.expired_at(now())
    }

    fn refresh_if_expired(&mut self) -> Result<(), Error> {
        if self.expired() {
            self.refresh()?;
        }
        Ok(())
    }

    fn refresh(&mut self) -> Result<(), Error> {
        sluice_sdk::debug!("fetching a new upload token");
        self.token = fetch_token(self.api)?;
        Ok(())
    }
}

fn fetch_token(api: &Api) -> Result<UploadToken, Error> {
    let result: TokenResult = api
        .send(Call::get(api.project_path("/upload-token"), Auth::ApiToken))
        .map_err(|e: ApiError| e.into_error("fetching an upload token"))?;
    UploadToken::parse(&result.jwt)
}

fn hashes_body(hashes: &[String]) -> Vec<u8> {
    serde_json::json!({ "hashes": hashes })
        .to_string()
        .into_bytes()
}

/// The upload request for one bucket: a JSON array of `{key, value, metadata, base64}`, the
/// files read and encoded straight into one buffer sized in advance.
fn upload_call<'t>(site: &Site, bucket: &Bucket, jwt: &'t str) -> Result<Call<'t>, Error> {
    let capacity: usize = bucket
        .assets
        .iter()
        .map(|asset| {
            (asset.size as usize).div_ceil(3) * 4 + asset.content_type.len() + JSON_PER_FILE
        })
        .sum();
    let mut body = String::with_capacity(capacity + 2);
    body.push('[');
    for (i, asset) in bucket.assets.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        let content_type = serde_json::Value::from(asset.content_type.as_str());
        body.push_str(&format!(r#"{{"key":"{}","value":""#, asset.hash));
        STANDARD.encode_string(site.read(asset)?, &mut body);
        body.push_str(&format!(
            r#"","metadata":{{"contentType":{content_type}}},"base64":true}}"#
        ));
    }
    body.push(']');
    Ok(Call::post("/pages/assets/upload", Auth::Upload(jwt)).json(body.into_bytes()))
}

/// Seconds since the Unix epoch.
fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
