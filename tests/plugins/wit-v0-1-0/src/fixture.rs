//! The lifecycle every strategy contract fixture shares, over the bindings of its own frozen WIT
//! (the crate root generates them; `wit-v0-1-1` and `wit-v0-1-2` include this file). `stage`
//! calls every interface of 0.1.0 and makes each outcome visible to the test: `log` writes the
//! lines the test reads, the secret goes to the loopback server as a bearer token, `sql` inserts
//! the version into the database, `containers` inspects a granted name that does not exist. The
//! crate root adds what its release added (`newer_plan`, `newer_stage`, and the config they
//! need, `NewerConfig`).

use serde::Deserialize;

use crate::exports::sluice::deploy::strategy::Guest;
use crate::sluice::deploy::http::{self, Method, Request};
use crate::sluice::deploy::sql::{Database, Value};
use crate::sluice::deploy::types::{
    Change, ChangeAction, Context, Diagnostic, Error, Feature, PluginInfo, Staged,
};
use crate::sluice::deploy::{containers, log, secrets};

/// The unit's config: what the test grants.
#[derive(Deserialize)]
pub struct Config {
    /// A URL on the test's loopback server (its origin granted).
    pub url: String,
    /// A granted secret.
    pub secret: String,
    /// A granted SQLite database.
    pub database: String,
    /// A granted container name that does not exist.
    pub container: String,
    /// What the calls its release added need (more keys of the same table).
    #[serde(flatten)]
    pub newer: crate::NewerConfig,
}

fn parse(config: &str) -> Result<Config, Error> {
    serde_json::from_str(config).map_err(|e| Error::InvalidConfig(e.to_string()))
}

/// A GET of `url` carrying `token` as a bearer token.
pub fn get(url: &str, token: &str) -> Request {
    Request {
        method: Method::Get,
        url: url.to_owned(),
        headers: vec![("authorization".to_owned(), format!("Bearer {token}"))],
        body: None,
        timeout_ms: Some(10_000),
        follow_redirects: false,
    }
}

/// Writes `message` at info level.
pub fn say(message: &str) {
    log::write(log::Level::Info, message);
}

/// Turns an import's error into a failure naming the import.
pub fn context(what: &str) -> impl Fn(Error) -> Error + '_ {
    move |e| Error::Failed(format!("{what}: {e:?}"))
}

fn exercise(ctx: &Context, config: &Config) -> Result<(), Error> {
    log::progress(1, 4, "contract fixture: calling every import");
    let token = secrets::get(&config.secret).map_err(context("secrets.get"))?;
    let answer = http::send(&get(&config.url, &token)).map_err(context("http.send"))?;
    say(&format!(
        "http.send: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    ));
    let endpoints = containers::endpoints();
    let endpoint = endpoints
        .first()
        .ok_or_else(|| Error::Failed("containers.endpoints: none".to_owned()))?;
    let found =
        containers::inspect(endpoint, &config.container).map_err(context("containers.inspect"))?;
    say(&format!(
        "containers.inspect {} on {endpoint}: {}",
        config.container,
        if found.is_some() { "found" } else { "absent" }
    ));
    let db = Database::open(&config.database).map_err(context("sql.open"))?;
    db.execute(
        "CREATE TABLE IF NOT EXISTS deployed (version TEXT NOT NULL)",
        &[],
    )
    .map_err(context("sql.execute"))?;
    db.execute(
        "INSERT INTO deployed (version) VALUES (?1)",
        &[Value::Text(ctx.version.clone())],
    )
    .map_err(context("sql.execute"))?;
    let rows = db
        .query("SELECT count(*) FROM deployed", &[])
        .map_err(context("sql.query"))?;
    say(&format!("sql.query: {:?}", rows.rows));
    crate::newer_stage(config, &config.newer, &token)
}

/// The contract fixture of its frozen release.
pub struct Fixture;

impl Guest for Fixture {
    fn info() -> PluginInfo {
        PluginInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Contract fixture: calls every import of its frozen WIT in stage.".into(),
            config_schema: r#"{"type": "object"}"#.into(),
            features: vec![Feature::Rollback],
        }
    }

    fn validate(config: String) -> Result<(), Vec<Diagnostic>> {
        parse(&config).map(drop).map_err(|e| {
            vec![Diagnostic {
                path: String::new(),
                message: format!("{e:?}"),
            }]
        })
    }

    fn plan(ctx: Context, config: String, _current: Option<String>) -> Result<Vec<Change>, Error> {
        parse(&config)?;
        crate::newer_plan();
        Ok(vec![Change {
            action: ChangeAction::Update,
            resource: ctx.unit,
            detail: format!("deploy {}", ctx.version),
        }])
    }

    fn prepare(_ctx: Context, _config: String, _current: Option<String>) -> Result<String, Error> {
        Ok(String::new())
    }

    fn stage(ctx: Context, config: String, _current: Option<String>) -> Result<Staged, Error> {
        exercise(&ctx, &parse(&config)?)?;
        Ok(Staged {
            state: ctx.version.clone(),
            endpoints: Vec::new(),
            summary: format!("called every import for {}", ctx.version),
        })
    }

    fn shift(_ctx: Context, _config: String, _staged: String, _percent: u8) -> Result<(), Error> {
        Ok(())
    }

    fn finalize(_ctx: Context, _config: String, staged: String) -> Result<String, Error> {
        Ok(staged)
    }

    fn rollback(
        _ctx: Context,
        _config: String,
        _staged: Option<String>,
        _snapshot: Option<String>,
        _current: Option<String>,
    ) -> Result<(), Error> {
        Ok(())
    }
}
