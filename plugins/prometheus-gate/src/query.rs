//! A PromQL query for one version, and what Prometheus's HTTP API answered.

use serde::Deserialize;
use sluice_sdk::http::Response;
use sluice_sdk::{Error, GateContext, encode_component};

/// `${version}`, `${unit}` and `${environment}` in `query` replaced by their values for `version`,
/// each escaped as the contents of a PromQL string (`"..."`), so that a value holding a quote or
/// a backslash cannot change the query.
pub fn for_version(query: &str, ctx: &GateContext, version: &str) -> String {
    [
        ("${version}", version),
        ("${unit}", ctx.unit.as_str()),
        ("${environment}", ctx.environment.as_str()),
    ]
    .iter()
    .fold(query.to_owned(), |query, (name, value)| {
        query.replace(name, &escape(value))
    })
}

/// `value` as the contents of a double-quoted PromQL string (Go's escapes).
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\'' => escaped.push_str("\\'"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The instant-query URL for `query` on the Prometheus at `base`.
pub fn url(base: &str, query: &str) -> String {
    format!(
        "{}/api/v1/query?query={}",
        base.trim_end_matches('/'),
        encode_component(query)
    )
}

/// What an instant query returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// One value (one series of an instant vector, or a scalar); NaN is kept.
    One(f64),
    /// An instant vector with no series.
    Empty,
    /// An instant vector with this many series (more than one).
    Many(usize),
}

/// Prometheus's answer envelope (`/api/v1/query`).
#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The `data` of a successful answer: its type, and the result in that type's shape.
#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct Series {
    value: (f64, String),
}

/// Reads Prometheus's answer to `query`: a sample, or the error it is (`invalid-config` for a
/// query Prometheus refuses as bad data, `unavailable` for one it could not run now, `failed`
/// for anything else).
pub fn read(response: &Response, query: &str) -> Result<Sample, Error> {
    let answer: Answer = serde_json::from_slice(&response.body).map_err(|e| {
        Error::Failed(format!(
            "Prometheus answered HTTP {} to `{query}` with something that is not its API's JSON \
             ({e}): {}",
            response.status,
            response.excerpt()
        ))
    })?;
    if answer.status != "success" {
        let kind = answer.error_type.unwrap_or_default();
        let message = answer.error.unwrap_or_default();
        let text = format!("Prometheus refused `{query}` ({kind}): {message}");
        return Err(match kind.as_str() {
            "bad_data" => Error::InvalidConfig(text),
            "timeout" | "canceled" | "unavailable" => Error::Unavailable(text),
            _ => Error::Failed(text),
        });
    }
    let Some(data) = answer.data else {
        return Err(unexpected(query, "no data"));
    };
    let shape = |e: serde_json::Error| unexpected(query, &e.to_string());
    match data.result_type.as_str() {
        "vector" => {
            let series: Vec<Series> = serde_json::from_value(data.result).map_err(shape)?;
            match series.as_slice() {
                [] => Ok(Sample::Empty),
                [one] => Ok(Sample::One(number(&one.value.1, query)?)),
                many => Ok(Sample::Many(many.len())),
            }
        }
        "scalar" => {
            let (_, value): (f64, String) = serde_json::from_value(data.result).map_err(shape)?;
            Ok(Sample::One(number(&value, query)?))
        }
        "matrix" => Err(Error::InvalidConfig(format!(
            "`{query}` is a range vector: a gate needs an instant query (one value), e.g. \
             wrap it in rate(...) or sum(...)"
        ))),
        other => Err(Error::InvalidConfig(format!(
            "`{query}` returned a {other}, not a number: a gate needs a query returning one \
             series or a scalar"
        ))),
    }
}

/// A successful answer in a shape the API does not give.
fn unexpected(query: &str, what: &str) -> Error {
    Error::Failed(format!(
        "Prometheus answered `{query}` in an unexpected shape: {what}"
    ))
}

/// A sample value as Prometheus writes it (`"0.05"`, `"NaN"`, `"+Inf"`).
fn number(text: &str, query: &str) -> Result<f64, Error> {
    text.parse().map_err(|_| {
        Error::Failed(format!(
            "Prometheus answered `{query}` with the value {text:?}, which is not a number"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> GateContext {
        GateContext {
            deployment_id: "d".into(),
            environment: "prod \"eu\"".into(),
            unit: "web".into(),
            version: "v2".into(),
            baseline_version: None,
            attempt: 1,
        }
    }

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            final_url: "http://p/api/v1/query".into(),
        }
    }

    #[test]
    fn variables_are_replaced_escaped_as_promql_string_contents() {
        let query = r#"sum(up{version="${version}", unit="${unit}", env="${environment}"})"#;
        assert_eq!(
            for_version(query, &ctx(), r"v1\x"),
            r#"sum(up{version="v1\\x", unit="web", env="prod \"eu\""})"#
        );
    }

    #[test]
    fn the_query_is_sent_percent_encoded() {
        assert_eq!(
            url("http://127.0.0.1:9090/", r#"up{a="b"}"#),
            "http://127.0.0.1:9090/api/v1/query?query=up%7Ba%3D%22b%22%7D"
        );
    }

    #[test]
    fn a_vector_of_one_series_or_a_scalar_is_one_value_and_nan_is_kept() {
        let one = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.5,"0.25"]}]}}"#;
        assert_eq!(read(&response(200, one), "q").unwrap(), Sample::One(0.25));
        let scalar = r#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"NaN"]}}"#;
        assert!(matches!(read(&response(200, scalar), "q").unwrap(), Sample::One(v) if v.is_nan()));
    }

    #[test]
    fn an_empty_vector_and_a_vector_of_several_series_are_told_apart() {
        let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(read(&response(200, empty), "q").unwrap(), Sample::Empty);
        let two = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}"#;
        assert_eq!(read(&response(200, two), "q").unwrap(), Sample::Many(2));
    }

    #[test]
    fn a_query_prometheus_refuses_as_bad_data_is_invalid_config_with_its_message() {
        let bad = r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}"#;
        let Err(Error::InvalidConfig(message)) = read(&response(400, bad), "sum(") else {
            panic!("bad data was not invalid-config");
        };
        assert_eq!(
            message,
            "Prometheus refused `sum(` (bad_data): 1:5: parse error: unexpected end of input"
        );
    }

    #[test]
    fn an_answer_that_is_not_the_apis_json_is_a_failure_quoting_it() {
        let Err(Error::Failed(message)) = read(&response(502, "Bad Gateway"), "up") else {
            panic!("not JSON was accepted");
        };
        assert!(
            message.contains("HTTP 502") && message.contains("Bad Gateway"),
            "{message}"
        );
    }
}
