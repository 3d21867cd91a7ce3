//! TLS for the host's PostgreSQL connections (the state store and granted databases), over
//! rustls, from libpq's URL parameters: `sslmode` and `sslrootcert`.
//!
//! - `disable`, `allow`, `prefer` or no `sslmode`: plain TCP, as before.
//! - `require` and `verify-ca`: TLS, the server's certificate chain verified against
//!   `sslrootcert`; its name is not checked. (libpq's `require` without a root certificate
//!   verifies nothing; sluice always verifies, so such a URL is refused.)
//! - `verify-full`: as `verify-ca`, and the certificate must name the host of the URL.
//!
//! `sslrootcert` is a PEM file, relative to the plan's directory, default
//! `~/.postgresql/root.crt` (libpq's default) when that file exists.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// A PostgreSQL URL made ready to connect: what tokio-postgres reads, what libpq's tools read,
/// and the TLS connector.
pub struct PostgresTls {
    /// The URL for tokio-postgres: `sslmode` one of its words, `sslrootcert` taken out.
    pub client_url: String,
    /// The URL for libpq's tools (`pg_dump`): as written, `sslrootcert` made absolute.
    pub libpq_url: String,
    /// The TLS connector (unused when the URL asks for no TLS).
    pub connector: MakeRustlsConnect,
}

/// Why a PostgreSQL URL's TLS settings cannot be used. Never repeats the URL (it may hold a
/// password).
#[derive(Debug, thiserror::Error)]
pub enum PostgresTlsError {
    /// The URL does not parse.
    #[error("its postgres url is not valid: {0}")]
    Invalid(String),
    /// An `sslmode` libpq does not have.
    #[error("sslmode `{0}` is not one of disable, allow, prefer, require, verify-ca, verify-full")]
    UnknownMode(String),
    /// TLS asked for with no CA to verify the server against.
    #[error(
        "sslmode={0} needs sslrootcert=PATH (the CA that signed the server's certificate): \
         sluice always verifies the server"
    )]
    NoRootCertificate(String),
    /// The CA file cannot be read or holds no certificate.
    #[error("sslrootcert {}: {why}", path.display())]
    RootCertificate {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
}

/// How a URL asks to connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No TLS.
    Plain,
    /// TLS, the chain verified, the name not (`require`, `verify-ca`).
    VerifyChain,
    /// TLS, the chain and the host name verified (`verify-full`).
    VerifyFull,
}

/// Reads `sslmode` and `sslrootcert` from `url`; a relative `sslrootcert` is taken from `base`.
pub fn prepare(url: &str, base: &Path) -> Result<PostgresTls, PostgresTlsError> {
    let parsed = url::Url::parse(url).map_err(|e| PostgresTlsError::Invalid(e.to_string()))?;
    let mut mode_word = None;
    let mut root = None;
    let mut rest = Vec::new();
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "sslmode" => mode_word = Some(value.into_owned()),
            "sslrootcert" => root = Some(base.join(value.as_ref())),
            _ => rest.push((key.into_owned(), value.into_owned())),
        }
    }
    let mode = match mode_word.as_deref() {
        None | Some("disable" | "allow" | "prefer") => Mode::Plain,
        Some("require" | "verify-ca") => Mode::VerifyChain,
        Some("verify-full") => Mode::VerifyFull,
        Some(other) => return Err(PostgresTlsError::UnknownMode(other.to_owned())),
    };
    let with_query = |pairs: &[(String, String)]| {
        let mut out = parsed.clone();
        out.set_query(None);
        if !pairs.is_empty() {
            out.query_pairs_mut().extend_pairs(pairs);
        }
        out.to_string()
    };
    let mut client_pairs = rest.clone();
    let tokio_mode = if mode == Mode::Plain {
        "disable"
    } else {
        "require"
    };
    client_pairs.push(("sslmode".to_owned(), tokio_mode.to_owned()));
    let root = match (mode, root) {
        (_, Some(path)) => Some(path),
        (Mode::Plain, None) => None,
        (_, None) => Some(default_root().ok_or_else(|| {
            PostgresTlsError::NoRootCertificate(mode_word.clone().unwrap_or_default())
        })?),
    };
    let mut libpq_pairs = rest;
    if let Some(word) = &mode_word {
        libpq_pairs.push(("sslmode".to_owned(), word.clone()));
    }
    if let Some(path) = &root {
        libpq_pairs.push(("sslrootcert".to_owned(), path.display().to_string()));
    }
    Ok(PostgresTls {
        client_url: with_query(&client_pairs),
        libpq_url: with_query(&libpq_pairs),
        connector: connector(mode, root.as_deref())?,
    })
}

/// libpq's default CA file, `~/.postgresql/root.crt`, when it exists.
fn default_root() -> Option<PathBuf> {
    let path = Path::new(&std::env::var_os("HOME")?).join(".postgresql/root.crt");
    path.is_file().then_some(path)
}

fn connector(mode: Mode, root: Option<&Path>) -> Result<MakeRustlsConnect, PostgresTlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PostgresTlsError::Invalid(e.to_string()))?;
    let roots = match root {
        Some(path) => roots(path)?,
        None => RootCertStore::empty(),
    };
    let config = match mode {
        Mode::Plain | Mode::VerifyFull => builder.with_root_certificates(roots),
        Mode::VerifyChain => {
            let verifier = ChainOnly(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|e| PostgresTlsError::Invalid(e.to_string()))?,
            );
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        }
    }
    .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn roots(path: &Path) -> Result<RootCertStore, PostgresTlsError> {
    let error = |why: String| PostgresTlsError::RootCertificate {
        path: path.to_owned(),
        why,
    };
    let pem = std::fs::read(path).map_err(|e| error(format!("cannot be read: {e}")))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(format!("is not PEM: {e}")))?;
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certificates);
    if added == 0 {
        return Err(error("holds no usable certificate".to_owned()));
    }
    Ok(store)
}

/// Verifies the chain as webpki does, but accepts a certificate for another name (libpq's
/// `verify-ca`).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_without_sslmode_stays_plain_and_keeps_its_other_parameters() {
        let tls = prepare(
            "postgres://u:p@h:5432/db?connect_timeout=3",
            Path::new("/plans"),
        )
        .unwrap();
        assert_eq!(
            tls.client_url,
            "postgres://u:p@h:5432/db?connect_timeout=3&sslmode=disable"
        );
        assert_eq!(tls.libpq_url, "postgres://u:p@h:5432/db?connect_timeout=3");
    }

    #[test]
    fn verify_full_takes_its_root_certificate_from_the_plan_directory() {
        let dir = tempfile::tempdir().unwrap();
        let missing = prepare(
            "postgres://h/db?sslmode=verify-full&sslrootcert=ca.pem",
            dir.path(),
        )
        .err()
        .unwrap();
        let expected = format!(
            "sslrootcert {}: cannot be read",
            dir.path().join("ca.pem").display()
        );
        assert!(missing.to_string().starts_with(&expected), "{missing}");
        std::fs::write(dir.path().join("ca.pem"), "not a certificate").unwrap();
        let empty = prepare(
            "postgres://h/db?sslmode=verify-full&sslrootcert=ca.pem",
            dir.path(),
        )
        .err()
        .unwrap();
        assert!(
            empty.to_string().ends_with("holds no usable certificate"),
            "{empty}"
        );
    }

    #[test]
    fn tls_without_a_root_certificate_or_an_unknown_mode_is_refused() {
        let refused = prepare("postgres://h/db?sslmode=require", Path::new("/nonexistent"));
        if default_root().is_none() {
            assert_eq!(
                refused.err().unwrap().to_string(),
                "sslmode=require needs sslrootcert=PATH (the CA that signed the server's \
                 certificate): sluice always verifies the server"
            );
        }
        let unknown = prepare("postgres://h/db?sslmode=always", Path::new("/"));
        assert!(
            unknown
                .err()
                .unwrap()
                .to_string()
                .starts_with("sslmode `always` is not one of"),
        );
    }
}
