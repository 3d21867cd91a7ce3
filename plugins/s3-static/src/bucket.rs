//! The S3 calls the strategy makes: list a prefix (keys with their ETags), put objects, copy
//! them within the bucket (many at once, through the `http` capability's `send-all`), delete
//! one. Path-style (`ENDPOINT/BUCKET/KEY`).

use std::collections::BTreeMap;

use sluice_sdk::Error;
use sluice_sdk::http::{self, Method, Request};

use crate::signed::{Api, failure};
use crate::xml;

/// Requests signed and handed to `send-all` at a time: enough to keep the host's 8 in flight
/// busy, few enough that the uploads among them are held in memory only a batch at a time.
const BATCH: usize = 64;

/// A bucket.
pub struct Bucket {
    api: Api,
    name: String,
}

impl Bucket {
    /// The bucket `name` of `api` (the S3 API).
    pub fn new(api: Api, name: &str) -> Bucket {
        Bucket {
            api,
            name: name.to_owned(),
        }
    }

    fn path(&self, key: &str) -> String {
        format!("/{}/{key}", self.name)
    }

    /// Every key under `prefix`, with its ETag (quotes removed): S3's `ListObjectsV2`, page by
    /// page.
    pub fn list(&self, prefix: &str) -> Result<BTreeMap<String, String>, Error> {
        let mut objects = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("list-type", "2"), ("prefix", prefix)];
            if let Some(token) = &token {
                query.push(("continuation-token", token));
            }
            let path = format!("/{}", self.name);
            let response = self.api.send(Method::Get, &path, &query, &[], b"")?;
            if !response.is_success() {
                return Err(failure(
                    &format!("listing s3://{}/{prefix}", self.name),
                    &response,
                ));
            }
            let body = String::from_utf8_lossy(&response.body);
            for block in xml::blocks(&body, "Contents") {
                if let Some(key) = xml::first(block, "Key") {
                    let etag = xml::first(block, "ETag").unwrap_or_default();
                    objects.insert(key, etag.trim_matches('"').to_owned());
                }
            }
            match xml::first(&body, "NextContinuationToken") {
                Some(next) if xml::first(&body, "IsTruncated").as_deref() == Some("true") => {
                    token = Some(next)
                }
                _ => return Ok(objects),
            }
        }
    }

    /// Puts each object (key, bytes, content type), several at once.
    pub fn put_all(&self, objects: &[(String, &[u8], &str)]) -> Result<(), Error> {
        self.send_all(objects, |(key, bytes, content_type)| {
            let request = self.api.request(
                Method::Put,
                &self.path(key),
                &[],
                &[("content-type", content_type)],
                bytes,
            );
            (request, format!("putting s3://{}/{key}", self.name))
        })
    }

    /// Copies each (from, to) inside the bucket (no bytes leave the bucket), several at once.
    pub fn copy_all(&self, pairs: &[(String, String)]) -> Result<(), Error> {
        self.send_all(pairs, |(from, to)| {
            let source = format!("/{}/{}", self.name, sluice_sdk::aws::uri_encode(from, true));
            let request = self.api.request(
                Method::Put,
                &self.path(to),
                &[],
                &[("x-amz-copy-source", &source)],
                b"",
            );
            (
                request,
                format!("copying s3://{0}/{from} to s3://{0}/{to}", self.name),
            )
        })
    }

    /// Sends the request `signed` makes of each item through `send-all`, [`BATCH`] signed
    /// requests at a time (the host keeps 8 in flight); the first failure, saying what was asked.
    /// A copy can fail after its 200 has been sent: a body holding an error `Code` fails too.
    fn send_all<T>(
        &self,
        items: &[T],
        signed: impl Fn(&T) -> (Request, String),
    ) -> Result<(), Error> {
        for chunk in items.chunks(BATCH) {
            let (requests, what): (Vec<Request>, Vec<String>) = chunk.iter().map(&signed).unzip();
            for (answer, what) in http::send_all(&requests).into_iter().zip(what) {
                let response = answer?;
                let body = String::from_utf8_lossy(&response.body);
                if !response.is_success() || xml::first(&body, "Code").is_some() {
                    return Err(failure(&what, &response));
                }
            }
        }
        Ok(())
    }

    /// Deletes `key` (nothing happens when it is not there).
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        let response = self
            .api
            .send(Method::Delete, &self.path(key), &[], &[], b"")?;
        if response.is_success() {
            Ok(())
        } else {
            Err(failure(
                &format!("deleting s3://{}/{key}", self.name),
                &response,
            ))
        }
    }
}
