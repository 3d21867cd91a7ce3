//! `builtin:webhook`: a hook plugin that POSTs each lifecycle event it is told of to a URL,
//! through the `http` capability (grant the URL's origin and nothing else): as a Slack-compatible
//! message (`{"text": "..."}`, `format = "slack"`, the default) or as the event itself, a JSON
//! object (`format = "json"`).
//!
//! The URL is usually a secret (`url = "${secret.slack_webhook}"`): the host puts its value in
//! the config and redacts it from everything it writes; this plugin never writes it either (its
//! errors say "the webhook", not the URL).

mod message;

use serde::Deserialize;
use sluice_sdk::http::{Method, Request};
use sluice_sdk::{Diagnostic, Error, Hook, HookEvent, PluginInfo, UnitConfig};

/// The JSON Schema of the config (`info().config-schema`).
const SCHEMA: &str = include_str!("config.schema.json");
/// The most one POST may take, in milliseconds.
const POST_TIMEOUT_MS: u32 = 10_000;

/// What is posted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Format {
    /// `{"text": "..."}`.
    #[default]
    Slack,
    /// The event as a JSON object.
    Json,
}

/// The hook's `config` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Where to POST.
    url: String,
    /// What to POST.
    #[serde(default)]
    format: Format,
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        if self.url.starts_with("http://") || self.url.starts_with("https://") {
            Vec::new()
        } else {
            // The value is not quoted: it is usually a secret.
            vec![Diagnostic::new(
                "url",
                "expected an http:// or https:// URL (its value is not shown: it may be a secret)",
            )]
        }
    }
}

struct Webhook;

impl Hook for Webhook {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "webhook".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Posts each lifecycle event to a webhook, as a Slack-compatible message \
                          or as a JSON object"
                .into(),
            config_schema: SCHEMA.into(),
            features: Vec::new(),
        }
    }

    fn notify(event: &HookEvent, config: &Config) -> Result<(), Error> {
        let body = match config.format {
            Format::Slack => serde_json::json!({ "text": message::text(event) }),
            Format::Json => message::object(event),
        };
        let response = Request::new(Method::Post, config.url.clone())
            .with_json(&body)?
            .with_timeout_ms(POST_TIMEOUT_MS)
            .send()
            .map_err(|e| e.context("posting to the webhook"))?;
        if response.is_success() {
            Ok(())
        } else {
            Err(Error::Unavailable(format!(
                "the webhook answered HTTP {}: {}",
                response.status,
                response.excerpt()
            )))
        }
    }
}

sluice_sdk::export_hook!(Webhook);
