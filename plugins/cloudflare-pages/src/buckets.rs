//! Grouping the assets to upload into request-sized buckets, the way wrangler does: largest
//! files first, spread round-robin over a few buckets so that small sites still use parallel
//! streams, each bucket at most 40 MiB of file bytes and 2000 files.

use crate::site::Asset;
use std::collections::BTreeSet;

/// The most file bytes (before base64) in one upload request.
pub const MAX_BUCKET_BYTES: u64 = 40 * 1024 * 1024;
/// The most files in one upload request.
pub const MAX_BUCKET_FILES: usize = 2000;

/// The assets of one upload request.
#[derive(Debug, Default, Clone)]
pub struct Bucket<'a> {
    /// The assets, largest first.
    pub assets: Vec<&'a Asset>,
    /// Their file bytes.
    pub bytes: u64,
}

impl Bucket<'_> {
    fn fits(&self, asset: &Asset) -> bool {
        self.bytes + asset.size <= MAX_BUCKET_BYTES && self.assets.len() < MAX_BUCKET_FILES
    }
}

/// The buckets that upload the assets whose hash is `missing` (each hash once), starting from
/// `streams` buckets; empty buckets are left out.
pub fn fill<'a>(
    assets: &'a [Asset],
    missing: &BTreeSet<String>,
    streams: usize,
) -> Vec<Bucket<'a>> {
    let mut seen = BTreeSet::new();
    let mut wanted: Vec<&Asset> = assets
        .iter()
        .filter(|asset| missing.contains(&asset.hash) && seen.insert(asset.hash.as_str()))
        .collect();
    wanted.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));

    let mut buckets: Vec<Bucket> = vec![Bucket::default(); streams.max(1)];
    for (offset, asset) in wanted.into_iter().enumerate() {
        let count = buckets.len();
        let free = (0..count)
            .map(|i| (i + offset) % count)
            .find(|&i| buckets[i].fits(asset));
        match free {
            Some(i) => {
                buckets[i].assets.push(asset);
                buckets[i].bytes += asset.size;
            }
            None => buckets.push(Bucket {
                assets: vec![asset],
                bytes: asset.size,
            }),
        }
    }
    buckets.retain(|bucket| !bucket.assets.is_empty());
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(path: &str, size: u64, hash: &str) -> Asset {
        Asset {
            path: path.into(),
            size,
            hash: hash.into(),
            content_type: "text/plain".into(),
        }
    }

    fn all(assets: &[Asset]) -> BTreeSet<String> {
        assets.iter().map(|a| a.hash.clone()).collect()
    }

    #[test]
    fn a_small_site_is_spread_over_three_streams_largest_first() {
        let assets: Vec<Asset> = (0..6)
            .map(|i| asset(&format!("f{i}"), 10 + i, &format!("h{i}")))
            .collect();
        let buckets = fill(&assets, &all(&assets), 3);
        let paths: Vec<Vec<&str>> = buckets
            .iter()
            .map(|b| b.assets.iter().map(|a| a.path.as_str()).collect())
            .collect();
        assert_eq!(paths, [["f5", "f2"], ["f4", "f1"], ["f3", "f0"]]);
    }

    #[test]
    fn only_missing_hashes_are_uploaded_and_each_hash_once() {
        let assets = [
            asset("a.txt", 1, "same"),
            asset("copy/a.txt", 1, "same"),
            asset("b.txt", 1, "there"),
        ];
        let missing = BTreeSet::from(["same".to_owned()]);
        let buckets = fill(&assets, &missing, 3);
        assert_eq!(buckets.len(), 1);
        assert_eq!(buckets[0].assets.len(), 1);
    }

    #[test]
    fn no_bucket_exceeds_40_mib_or_2000_files() {
        let mut assets: Vec<Asset> = (0..5)
            .map(|i| asset(&format!("big{i}"), 20 * 1024 * 1024, &format!("b{i}")))
            .collect();
        assets.extend((0..4500).map(|i| asset(&format!("s{i}"), 100, &format!("s{i}"))));
        let buckets = fill(&assets, &all(&assets), 3);
        assert!(buckets.iter().all(|b| b.bytes <= MAX_BUCKET_BYTES));
        assert!(buckets.iter().all(|b| b.assets.len() <= MAX_BUCKET_FILES));
        let uploaded: usize = buckets.iter().map(|b| b.assets.len()).sum();
        assert_eq!(uploaded, 4505);
    }

    #[test]
    fn nothing_missing_makes_no_bucket() {
        let assets = [asset("a", 1, "h")];
        assert!(fill(&assets, &BTreeSet::new(), 3).is_empty());
    }
}
