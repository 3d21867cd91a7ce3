//! `[telemetry]`: where sluice sends traces of its deployments (see `report::otlp`).

use super::convert::Converter;
use super::error::PlanError;
use super::model::{OTLP_TRACES_PATH, Telemetry};
use super::raw::RawTelemetry;

/// Converts `[telemetry]` (absent: no telemetry), checking `otlp` is an http(s) base URL.
pub(super) fn telemetry(
    cx: &Converter<'_>,
    raw: Option<&RawTelemetry>,
) -> Result<Telemetry, PlanError> {
    let Some(otlp) = raw.and_then(|raw| raw.otlp.as_ref()) else {
        return Ok(Telemetry::default());
    };
    let text = otlp.get_ref();
    match otlp_url_problem(text) {
        None => Ok(Telemetry {
            otlp: url::Url::parse(text).ok(),
        }),
        Some(why) => Err(cx.error_at_span(
            otlp.span(),
            format!(
                "invalid otlp endpoint `{text}`: {why}; expected the collector's OTLP/HTTP base \
                 URL, e.g. \"http://127.0.0.1:4318\""
            ),
        )),
    }
}

/// Why `text` is not a usable OTLP/HTTP base URL, if it is not.
fn otlp_url_problem(text: &str) -> Option<&'static str> {
    let Ok(url) = url::Url::parse(text) else {
        return Some("it is not a URL");
    };
    if !matches!(url.scheme(), "http" | "https") {
        Some("the scheme must be http or https (sluice sends traces over HTTP)")
    } else if url.host_str().is_none_or(str::is_empty) {
        Some("it names no host")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("a base URL has no query or fragment")
    } else if url.path().trim_end_matches('/').ends_with(OTLP_TRACES_PATH) {
        Some("sluice appends /v1/traces itself")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::test_support::{error_of, parse_with};

    #[test]
    fn an_otlp_base_url_is_kept_and_no_table_means_no_telemetry() {
        let plan = parse_with("[telemetry]\notlp = \"http://127.0.0.1:4318\"\n").unwrap();
        assert_eq!(
            plan.telemetry.otlp.map(String::from).as_deref(),
            Some("http://127.0.0.1:4318/")
        );
        assert_eq!(parse_with("").unwrap().telemetry.otlp, None);
    }

    #[test]
    fn a_bad_otlp_endpoint_is_an_error_at_its_value_that_says_why() {
        for (otlp, why) in [
            ("localhost:4318", "the scheme must be http or https"),
            ("grpc://collector:4317", "the scheme must be http or https"),
            ("not a url", "it is not a URL"),
            (
                "http://collector:4318/v1/traces",
                "sluice appends /v1/traces itself",
            ),
        ] {
            let error = error_of(&format!("[telemetry]\notlp = \"{otlp}\"\n"));
            assert!(
                error
                    .message
                    .starts_with(&format!("invalid otlp endpoint `{otlp}`: {why}")),
                "{error}"
            );
            assert_eq!((error.line, error.col), (7, 8), "{error}");
        }
    }
}
