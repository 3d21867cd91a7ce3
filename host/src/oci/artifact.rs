//! The CNCF Wasm OCI artifact (TAG Runtime's format, as wkg and wasmCloud write it): an OCI image
//! manifest whose config is `application/vnd.wasm.config.v0+json` and whose single layer is the
//! component, `application/wasm`. What sluice pushes, and what it accepts when it pulls.

use oci_client::manifest::{OciDescriptor, OciImageManifest};
use serde::Serialize;

use super::error::OciError;

/// The manifest's media type.
pub const MANIFEST_MEDIA_TYPE: &str = oci_client::manifest::OCI_IMAGE_MEDIA_TYPE;
/// The config's media type.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The layer's media type: the component's bytes.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The largest component sluice pulls (a Python plugin with CPython inside is about 18 MiB).
pub const MAX_COMPONENT_BYTES: i64 = 128 << 20;
/// The largest manifest sluice reads back from its own store.
pub const MAX_MANIFEST_BYTES: usize = 64 << 10;

/// The artifact's config blob.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// When it was pushed, RFC 3339.
    pub created: String,
    /// Always `wasm`.
    pub architecture: &'static str,
    /// Always `wasip2`: plugins are WASI preview-2 components.
    pub os: &'static str,
    /// The layer's digest.
    pub layer_digests: Vec<String>,
    /// What the component imports and exports.
    pub component: ComponentInterfaces,
}

/// The `component` field of the config.
#[derive(Debug, Serialize)]
pub struct ComponentInterfaces {
    /// Its imports, e.g. `sluice:deploy/files@0.1.4`.
    pub imports: Vec<String>,
    /// Its exports, e.g. `sluice:deploy/strategy@0.1.4`.
    pub exports: Vec<String>,
    /// The world it targets, if known (sluice does not record one).
    pub target: Option<String>,
}

/// The component layer `manifest` (JSON, already checked against its digest) describes, once it
/// is shown to be a Wasm component artifact of a size sluice accepts.
pub fn component_layer(manifest: &[u8]) -> Result<OciDescriptor, OciError> {
    let manifest: OciImageManifest =
        serde_json::from_slice(manifest).map_err(|e| OciError::NotAComponent {
            why: format!("its manifest is not an OCI image manifest: {e}"),
        })?;
    if manifest.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(OciError::NotAComponent {
            why: format!(
                "its config is `{}`, not `{CONFIG_MEDIA_TYPE}` (is it a container image?)",
                manifest.config.media_type
            ),
        });
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(OciError::NotAComponent {
            why: format!(
                "it has {} layers; a Wasm component artifact has one",
                manifest.layers.len()
            ),
        });
    };
    if layer.media_type != LAYER_MEDIA_TYPE {
        return Err(OciError::NotAComponent {
            why: format!(
                "its layer is `{}`, not `{LAYER_MEDIA_TYPE}`",
                layer.media_type
            ),
        });
    }
    if !(0..=MAX_COMPONENT_BYTES).contains(&layer.size) {
        return Err(OciError::TooLarge {
            size: layer.size,
            limit: MAX_COMPONENT_BYTES,
        });
    }
    super::reference::parse_digest(&layer.digest).map_err(|why| OciError::NotAComponent {
        why: format!("its layer's digest: {why}"),
    })?;
    Ok(layer.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(config: &str, layers: &[(&str, i64)]) -> Vec<u8> {
        let layers: Vec<serde_json::Value> = layers
            .iter()
            .map(|(media_type, size)| {
                serde_json::json!({"mediaType": media_type, "size": size,
                    "digest": format!("sha256:{}", "ab".repeat(32))})
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {"mediaType": config, "size": 2, "digest": format!("sha256:{}", "cd".repeat(32))},
            "layers": layers,
        }))
        .unwrap()
    }

    #[test]
    fn a_wasm_artifact_gives_its_component_layer() {
        let layer =
            component_layer(&manifest(CONFIG_MEDIA_TYPE, &[(LAYER_MEDIA_TYPE, 1000)])).unwrap();
        assert_eq!(layer.size, 1000);
    }

    #[test]
    fn a_container_image_an_extra_layer_a_wrong_layer_type_and_an_oversized_layer_are_refused() {
        let docker_config = "application/vnd.oci.image.config.v1+json";
        for (manifest, expected) in [
            (
                manifest(docker_config, &[(LAYER_MEDIA_TYPE, 10)]),
                "is it a container image?",
            ),
            (
                manifest(
                    CONFIG_MEDIA_TYPE,
                    &[(LAYER_MEDIA_TYPE, 10), (LAYER_MEDIA_TYPE, 10)],
                ),
                "it has 2 layers",
            ),
            (
                manifest(CONFIG_MEDIA_TYPE, &[("application/octet-stream", 10)]),
                "its layer is `application/octet-stream`",
            ),
            (
                manifest(CONFIG_MEDIA_TYPE, &[(LAYER_MEDIA_TYPE, 1 << 40)]),
                "larger than sluice accepts",
            ),
            (b"{}".to_vec(), "not an OCI image manifest"),
        ] {
            let error = component_layer(&manifest).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}
