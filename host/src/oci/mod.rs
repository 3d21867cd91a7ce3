//! Plugins from OCI registries: `source = "oci://HOST/REPOSITORY:TAG@sha256:DIGEST"`.
//!
//! Threat model. A registry, or anyone between sluice and it, may serve anything: other bytes
//! under a tag, other bytes under a digest, a container image instead of a component, a layer of
//! gigabytes, or a connection that stalls. sluice trusts only the digest the plan (or its
//! committed lockfile) pins: the manifest must hash to it, must be a Wasm component artifact
//! (`artifact`) whose one layer is no larger than [`artifact::MAX_COMPONENT_BYTES`], and the
//! component must hash to the layer digest the manifest gives; no more bytes than the manifest
//! announces are read. Only then is it stored (`store`), whole or not at all, and every load
//! verifies the stored copy again before compiling, so a store changed on disk is refused too.
//! A tag alone is never followed at deploy time: `sluice plugins lock` resolves tags and writes
//! the digests to the lockfile a reviewer can diff. Pulling gives a plugin no capability: what it
//! may reach is the plan's grants, as for a plugin from a path.
//!
//! What this does not cover: who published the bytes a digest names (there are no signatures;
//! review what you pin), and a manifest read from the registry is held in memory whole before it
//! is checked (registries serve manifests of a few KiB).

pub mod artifact;
pub mod error;
pub mod lockfile;
pub mod reference;
pub mod registry;
pub mod store;

pub use error::OciError;
pub use lockfile::Lockfile;
pub use reference::Reference;
pub use store::Store;
