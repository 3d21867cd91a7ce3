//! Where a granted database is: a resolved `[databases.NAME] url`, with what an error may show
//! of it (never the password).

use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A database the host can open.
#[derive(Clone)]
pub enum DatabaseTarget {
    /// An SQLite file (absolute).
    Sqlite(PathBuf),
    /// A PostgreSQL server and database.
    Postgres(Box<PostgresTarget>),
}

/// A PostgreSQL database, from a `postgres://` URL.
#[derive(Clone)]
pub struct PostgresTarget {
    /// The connection settings.
    pub config: tokio_postgres::Config,
    /// The TLS connector the URL's `sslmode` asks for (see [`crate::postgres_tls`]).
    pub tls: tokio_postgres_rustls::MakeRustlsConnect,
    /// The URL without its password, for the PostgreSQL command-line tools (`pg_dump`).
    pub url_without_password: String,
    /// The password, if the URL has one (given to the tools through `PGPASSWORD`).
    pub password: Option<String>,
    /// `host:port/database`, for messages.
    pub display: String,
}

impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseTarget::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            DatabaseTarget::Postgres(pg) => write!(f, "postgres {}", pg.display),
        }
    }
}

impl DatabaseTarget {
    /// Parses a resolved database URL; a relative `sqlite:` path is taken from `base`.
    /// The error never repeats the URL (it may hold a password).
    pub fn parse(url: &str, base: &Path) -> Result<DatabaseTarget, String> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err("its url `sqlite:` names no file: expected sqlite:PATH".to_owned());
            }
            return Ok(DatabaseTarget::Sqlite(base.join(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return postgres(url, base).map(|pg| DatabaseTarget::Postgres(Box::new(pg)));
        }
        Err("its url is neither sqlite:PATH nor postgres://...".to_owned())
    }
}

fn postgres(text: &str, base: &Path) -> Result<PostgresTarget, String> {
    let invalid = |why: String| format!("its postgres url is not valid: {why}");
    let tls = crate::postgres_tls::prepare(text, base).map_err(|e| e.to_string())?;
    let mut url = url::Url::parse(&tls.libpq_url).map_err(|e| invalid(e.to_string()))?;
    let password = url.password().map(percent_decode);
    let config = tokio_postgres::Config::from_str(&tls.client_url).map_err(|e| {
        let mut why = e.to_string();
        if let Some(password) = &password {
            why = why.replace(password.as_str(), "[REDACTED]");
        }
        invalid(why)
    })?;
    url.set_password(None)
        .map_err(|()| invalid("it has no host".to_owned()))?;
    let host = url.host_str().unwrap_or("localhost");
    let port = url.port().unwrap_or(5432);
    let database = url.path().trim_start_matches('/');
    Ok(PostgresTarget {
        display: format!("{host}:{port}/{database}"),
        url_without_password: url.to_string(),
        password,
        config,
        tls: tls.connector,
    })
}

/// `%XX` escapes of a URL part decoded (invalid escapes kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_sqlite_path_is_taken_from_the_plan_directory() {
        match DatabaseTarget::parse("sqlite:data/app.db", Path::new("/plans")).unwrap() {
            DatabaseTarget::Sqlite(path) => assert_eq!(path, Path::new("/plans/data/app.db")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_postgres_url_keeps_its_password_out_of_everything_shown() {
        let url = "postgres://deploy:s%40cret-pw@db.internal:6432/shop?application_name=x";
        let DatabaseTarget::Postgres(pg) = DatabaseTarget::parse(url, Path::new("/")).unwrap()
        else {
            panic!("not postgres")
        };
        assert_eq!(pg.password.as_deref(), Some("s@cret-pw"));
        assert_eq!(pg.display, "db.internal:6432/shop");
        assert_eq!(
            pg.url_without_password,
            "postgres://deploy@db.internal:6432/shop?application_name=x"
        );
        assert_eq!(pg.config.get_password(), Some(&b"s@cret-pw"[..]));
    }

    #[test]
    fn a_url_that_requires_tls_without_a_ca_is_refused_saying_so() {
        let error = DatabaseTarget::parse(
            "postgres://u@h/db?sslmode=require&sslrootcert=/nonexistent/ca.pem",
            Path::new("/"),
        )
        .unwrap_err();
        assert!(
            error.starts_with("sslrootcert /nonexistent/ca.pem: cannot be read"),
            "{error}"
        );
    }

    #[test]
    fn an_invalid_url_is_refused_without_repeating_it() {
        let error = DatabaseTarget::parse("postgres://u:hunter2@h:notaport/db", Path::new("/"))
            .unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(
            error.starts_with("its postgres url is not valid"),
            "{error}"
        );
    }
}
