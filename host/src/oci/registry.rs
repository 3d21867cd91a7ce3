//! Talking to a registry with `oci-client`: pull a plugin by manifest digest, resolve a tag to
//! one, push one. Registries on this machine are spoken to over plain HTTP, every other one over
//! HTTPS with the system's and webpki's roots.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference as OciRef};
use tokio::io::AsyncWrite;

use super::artifact::{
    CONFIG_MEDIA_TYPE, ComponentInterfaces, LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, WasmConfig,
    component_layer,
};
use super::error::OciError;
use super::reference::Reference;
use super::store::{digest_of, verify};

/// How long connecting to a registry may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a registry may leave a response without sending a byte.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Who sluice is to a registry: nobody, or a user with a password (the plan's
/// `[registries."HOST"]`, or `sluice plugins push --username`).
#[derive(Clone, Default)]
pub struct Login(Option<(String, String)>);

impl Login {
    /// `username` with `password`.
    pub fn basic(username: String, password: String) -> Login {
        Login(Some((username, password)))
    }

    fn auth(&self) -> RegistryAuth {
        match &self.0 {
            Some((user, password)) => RegistryAuth::Basic(user.clone(), password.clone()),
            None => RegistryAuth::Anonymous,
        }
    }
}

/// A plugin pulled and verified: the manifest that `digest` names and the component it gives.
pub struct Pulled {
    /// The manifest's bytes.
    pub manifest: Vec<u8>,
    /// The component's bytes.
    pub component: Vec<u8>,
}

/// Pulls the plugin whose manifest digest is `digest` from `reference`'s repository and verifies
/// it: the manifest against `digest`, its shape (a Wasm component artifact no larger than
/// sluice accepts), and the component against the layer digest, reading no more bytes than the
/// manifest gives it.
pub async fn pull(reference: &Reference, digest: &str, login: &Login) -> Result<Pulled, OciError> {
    let client = client(reference);
    let image = OciRef::with_digest(
        reference.registry.clone(),
        reference.repository.clone(),
        digest.to_owned(),
    );
    let (manifest, _) = client
        .pull_manifest_raw(&image, &login.auth(), &[MANIFEST_MEDIA_TYPE])
        .await
        .map_err(|e| failure(e, "manifest served by the registry"))?;
    verify("manifest served by the registry", digest, &manifest)?;
    let layer = component_layer(&manifest)?;
    let mut component = Bounded::new(&layer);
    client
        .pull_blob(&image, &layer, &mut component)
        .await
        .map_err(|e| failure(e, "component layer served by the registry"))?;
    let component = component.bytes;
    verify(
        "component layer served by the registry",
        &layer.digest,
        &component,
    )?;
    Ok(Pulled {
        manifest,
        component,
    })
}

/// The manifest digest `reference`'s tag names now, once its manifest is shown to be a Wasm
/// component artifact (`sluice plugins lock`).
pub async fn resolve(reference: &Reference, login: &Login) -> Result<String, OciError> {
    let tag = reference.tag.clone().unwrap_or_else(|| "latest".to_owned());
    let image = OciRef::with_tag(
        reference.registry.clone(),
        reference.repository.clone(),
        tag,
    );
    let (manifest, _) = client(reference)
        .pull_manifest_raw(&image, &login.auth(), &[MANIFEST_MEDIA_TYPE])
        .await
        .map_err(|e| failure(e, "manifest served by the registry"))?;
    component_layer(&manifest)?;
    Ok(digest_of(&manifest))
}

/// Pushes `component` (whose imports and exports are `interfaces`) to `reference`'s tag as a Wasm
/// component artifact; answers the manifest digest that pins it.
pub async fn push(
    reference: &Reference,
    component: Vec<u8>,
    interfaces: ComponentInterfaces,
    login: &Login,
) -> Result<String, OciError> {
    let tag = reference.tag.clone().unwrap_or_else(|| "latest".to_owned());
    let image = OciRef::with_tag(
        reference.registry.clone(),
        reference.repository.clone(),
        tag,
    );
    let layer_digest = digest_of(&component);
    let config = serde_json::to_vec(&WasmConfig {
        created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        architecture: "wasm",
        os: "wasip2",
        layer_digests: vec![layer_digest.clone()],
        component: interfaces,
    })
    .map_err(|e| OciError::Registry(format!("cannot write the artifact's config: {e}")))?;
    let config_digest = digest_of(&config);
    let manifest = OciImageManifest {
        media_type: Some(MANIFEST_MEDIA_TYPE.to_owned()),
        config: descriptor(CONFIG_MEDIA_TYPE, &config_digest, config.len()),
        layers: vec![descriptor(LAYER_MEDIA_TYPE, &layer_digest, component.len())],
        ..OciImageManifest::default()
    };
    let manifest = serde_json::to_vec(&manifest)
        .map_err(|e| OciError::Registry(format!("cannot write the artifact's manifest: {e}")))?;
    let client = client(reference);
    client
        .store_auth_if_needed(image.resolve_registry(), &login.auth())
        .await;
    for (bytes, digest) in [(&component, &layer_digest), (&config, &config_digest)] {
        client
            .push_blob(&image, bytes, digest)
            .await
            .map_err(|e| failure(e, "pushed blob"))?;
    }
    client
        .push_manifest_raw(
            &image,
            manifest.clone(),
            http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
        )
        .await
        .map_err(|e| failure(e, "pushed manifest"))?;
    Ok(digest_of(&manifest))
}

fn descriptor(media_type: &str, digest: &str, size: usize) -> OciDescriptor {
    OciDescriptor {
        media_type: media_type.to_owned(),
        digest: digest.to_owned(),
        size: size as i64,
        ..OciDescriptor::default()
    }
}

fn client(reference: &Reference) -> Client {
    let protocol = if reference.is_loopback() {
        ClientProtocol::HttpsExcept(vec![reference.registry.clone()])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        connect_timeout: Some(CONNECT_TIMEOUT),
        read_timeout: Some(READ_TIMEOUT),
        // A plugin is one artifact, never an index of platforms to choose from.
        platform_resolver: None,
        ..ClientConfig::default()
    })
}

/// A failure of `oci-client`, as an [`OciError`]: bytes that do not match their digest are a
/// [`OciError::DigestMismatch`] of `what`.
fn failure(error: OciDistributionError, what: &'static str) -> OciError {
    match error {
        OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError {
            expected,
            actual,
        }) => OciError::DigestMismatch {
            what,
            expected,
            actual,
        },
        error => OciError::registry(&error),
    }
}

/// Collects a blob, refusing more bytes than its descriptor gives it.
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
}

impl Bounded {
    fn new(layer: &OciDescriptor) -> Bounded {
        let limit = usize::try_from(layer.size).unwrap_or(0);
        Bounded {
            bytes: Vec::with_capacity(limit),
            limit,
        }
    }
}

impl AsyncWrite for Bounded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.bytes.len() + buf.len() > self.limit {
            return Poll::Ready(Err(std::io::Error::other(format!(
                "the registry sent more than the {} bytes the manifest gives the component layer",
                self.limit
            ))));
        }
        self.bytes.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
