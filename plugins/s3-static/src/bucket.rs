//! The S3 calls the strategy makes: list a prefix (keys with their ETags), put an object, copy
//! one within the bucket, delete one. Path-style (`ENDPOINT/BUCKET/KEY`).

use std::collections::BTreeMap;

use sluice_sdk::Error;
use sluice_sdk::http::Method;

use crate::signed::{Api, failure};
use crate::xml;

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

    /// Puts `bytes` at `key` with `content_type`.
    pub fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), Error> {
        let response = self.api.send(
            Method::Put,
            &self.path(key),
            &[],
            &[("content-type", content_type)],
            bytes,
        )?;
        if response.is_success() {
            Ok(())
        } else {
            Err(failure(
                &format!("putting s3://{}/{key}", self.name),
                &response,
            ))
        }
    }

    /// Copies `from` to `to` inside the bucket (no bytes leave the bucket).
    pub fn copy(&self, from: &str, to: &str) -> Result<(), Error> {
        let source = format!("/{}/{}", self.name, sluice_sdk::aws::uri_encode(from, true));
        let response = self.api.send(
            Method::Put,
            &self.path(to),
            &[],
            &[("x-amz-copy-source", &source)],
            b"",
        )?;
        // A copy can fail after its 200 has been sent: the body then holds an error.
        let body = String::from_utf8_lossy(&response.body);
        if response.is_success() && xml::first(&body, "Code").is_none() {
            Ok(())
        } else {
            Err(failure(
                &format!("copying s3://{0}/{from} to s3://{0}/{to}", self.name),
                &response,
            ))
        }
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
