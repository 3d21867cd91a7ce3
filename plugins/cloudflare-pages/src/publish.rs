//! The steps `plan` and `stage` share: scan the site, check it against the upload token's
//! limit, and find out (or upload) what the project lacks.

use crate::api::Api;
use crate::buckets;
use crate::config::Config;
use crate::site::Site;
use crate::upload::{Uploaded, Uploads};
use sluice_sdk::Error;
use std::collections::{BTreeMap, BTreeSet};

/// A scanned site, checked against the project's limits, and the hashes the project lacks.
pub struct Checked<'a> {
    /// The site.
    pub site: Site,
    /// Its manifest: `/path` to hash.
    pub manifest: BTreeMap<String, String>,
    hashes: Vec<String>,
    missing: BTreeSet<String>,
    uploads: Uploads<'a>,
}

impl<'a> Checked<'a> {
    /// Scans `config.directory` (refusing a file over 25 MiB), fetches an upload token, refuses
    /// a site over its file limit, and asks which hashes the project lacks. Nothing is uploaded.
    pub fn site(api: &'a Api, config: &Config) -> Result<Checked<'a>, Error> {
        let site = Site::scan(&config.directory)?;
        let mut uploads = Uploads::start(api)?;
        site.check_file_count(uploads.max_files())?;
        let manifest = site.manifest();
        let hashes: Vec<String> = manifest
            .values()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let missing = uploads.missing(&hashes)?;
        Ok(Checked {
            site,
            manifest,
            hashes,
            missing,
            uploads,
        })
    }

    /// What uploading would send.
    pub fn to_upload(&self) -> Uploaded {
        buckets::fill(&self.site.assets, &self.missing, 1)
            .iter()
            .fold(Uploaded::default(), |sum, bucket| Uploaded {
                files: sum.files + bucket.assets.len(),
                bytes: sum.bytes + bucket.bytes,
            })
    }

    /// Uploads what the project lacks, `streams` buckets at a time, then tells Pages every hash
    /// the manifest uses. Returns the manifest and what was sent.
    pub fn upload(
        mut self,
        streams: usize,
    ) -> Result<(Site, BTreeMap<String, String>, Uploaded), Error> {
        let buckets = buckets::fill(&self.site.assets, &self.missing, streams);
        let uploaded = self.uploads.upload(&self.site, buckets, streams)?;
        self.uploads.upsert(&self.hashes)?;
        Ok((self.site, self.manifest, uploaded))
    }
}
