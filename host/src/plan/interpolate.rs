//! `${name}` references in plan strings (unit `config` values, gate url/address/body).
//!
//! Known names: `version`, `environment`, `unit`, `project`, `staged.endpoint` (the first staged
//! endpoint), `staged.endpoints.N` (0-based), `secret.NAME`, and in a fleet unit `engine` and
//! `engine.address`. `$${` is a literal `${`.

/// A problem with the `${...}` references in one string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolateError {
    /// `${` without a closing `}`.
    #[error("unterminated `${{`: expected a closing `}}` (write `$${{` for a literal `${{`)")]
    Unterminated,
    /// `${}`.
    #[error("empty reference `${{}}`: expected a name such as `${{version}}`")]
    Empty,
    /// A name the lookup does not know.
    #[error("unknown reference `${{{0}}}`")]
    Unknown(String),
}

/// One piece of an interpolated string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Text copied as is.
    Text(&'a str),
    /// The name inside `${...}`, trimmed.
    Reference(&'a str),
}

/// A reference name the plan understands, as parsed by [`Reference::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `${version}`: the version being deployed.
    Version,
    /// `${environment}`: the environment deployed to.
    Environment,
    /// `${unit}`: the unit's name.
    Unit,
    /// `${project}`: `[project] name`.
    Project,
    /// `${staged.endpoint}` (index 0) or `${staged.endpoints.N}`: an endpoint `stage` returned.
    StagedEndpoint(usize),
    /// `${secret.NAME}`: a secret declared in `[secrets]`.
    Secret(String),
    /// `${engine}`: the Docker engine a fleet member deploys to.
    Engine,
    /// `${engine.address}`: where that engine's published ports are reached.
    EngineAddress,
}

impl Reference {
    /// The reference a name stands for, or `None` for an unknown name.
    pub fn parse(name: &str) -> Option<Reference> {
        match name {
            "version" => Some(Reference::Version),
            "environment" => Some(Reference::Environment),
            "unit" => Some(Reference::Unit),
            "project" => Some(Reference::Project),
            "staged.endpoint" => Some(Reference::StagedEndpoint(0)),
            "engine" => Some(Reference::Engine),
            "engine.address" => Some(Reference::EngineAddress),
            _ => {
                if let Some(index) = name.strip_prefix("staged.endpoints.") {
                    index.parse().ok().map(Reference::StagedEndpoint)
                } else {
                    name.strip_prefix("secret.")
                        .filter(|secret| !secret.is_empty())
                        .map(|secret| Reference::Secret(secret.to_owned()))
                }
            }
        }
    }
}

/// Splits `text` into literal text and `${...}` references.
pub fn segments(text: &str) -> Result<Vec<Segment<'_>>, InterpolateError> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let (before, after) = (&rest[..at], &rest[at + 2..]);
        if let Some(literal) = before.strip_suffix('$') {
            pieces.extend([Segment::Text(literal), Segment::Text("${")]);
            rest = after;
            continue;
        }
        let end = after.find('}').ok_or(InterpolateError::Unterminated)?;
        let name = after[..end].trim();
        if name.is_empty() {
            return Err(InterpolateError::Empty);
        }
        pieces.extend([Segment::Text(before), Segment::Reference(name)]);
        rest = &after[end + 1..];
    }
    pieces.push(Segment::Text(rest));
    Ok(pieces)
}

/// The names referenced in `text`, in order.
pub fn references(text: &str) -> Result<Vec<&str>, InterpolateError> {
    Ok(segments(text)?
        .into_iter()
        .filter_map(|segment| match segment {
            Segment::Reference(name) => Some(name),
            Segment::Text(_) => None,
        })
        .collect())
}

/// Replaces every `${name}` in `text` by `lookup(name)`; a name it does not know is an error.
pub fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolateError> {
    let mut out = String::with_capacity(text.len());
    for segment in segments(text)? {
        match segment {
            Segment::Text(literal) => out.push_str(literal),
            Segment::Reference(name) => out
                .push_str(&lookup(name).ok_or_else(|| InterpolateError::Unknown(name.to_owned()))?),
        }
    }
    Ok(out)
}

/// [`interpolate`]s every string in `value`, recursively; object keys are left untouched.
pub fn interpolate_json(
    value: &serde_json::Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<serde_json::Value, InterpolateError> {
    use serde_json::Value;
    Ok(match value {
        Value::String(text) => Value::String(interpolate(text, lookup)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| interpolate_json(item, lookup))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, item)| Ok((key.clone(), interpolate_json(item, lookup)?)))
                .collect::<Result<_, InterpolateError>>()?,
        ),
        scalar => scalar.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn demo_lookup(name: &str) -> Option<String> {
        match name {
            "version" => Some("1.2.3".to_owned()),
            "staged.endpoint" => Some("http://127.0.0.1:9000/".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn references_are_replaced_by_their_values() {
        assert_eq!(
            interpolate("shop-api:${version}", &demo_lookup),
            Ok("shop-api:1.2.3".to_owned())
        );
        assert_eq!(
            interpolate("${staged.endpoint}health", &demo_lookup),
            Ok("http://127.0.0.1:9000/health".to_owned())
        );
    }

    #[test]
    fn a_doubled_dollar_is_a_literal_reference_opener() {
        assert_eq!(
            interpolate("cost: $${version} and $5", &demo_lookup),
            Ok("cost: ${version} and $5".to_owned())
        );
    }

    #[test]
    fn an_unknown_name_is_an_error_naming_it() {
        assert_eq!(
            interpolate("${colour}", &demo_lookup),
            Err(InterpolateError::Unknown("colour".to_owned()))
        );
    }

    #[test]
    fn an_unterminated_or_empty_reference_is_an_error() {
        assert_eq!(
            interpolate("${version", &demo_lookup),
            Err(InterpolateError::Unterminated)
        );
        assert_eq!(
            interpolate("${ }", &demo_lookup),
            Err(InterpolateError::Empty)
        );
    }

    #[test]
    fn json_strings_are_interpolated_recursively_but_keys_are_not() {
        let config = json!({ "${version}": ["v${version}", { "n": 1, "s": "${version}" }] });
        assert_eq!(
            interpolate_json(&config, &demo_lookup),
            Ok(json!({ "${version}": ["v1.2.3", { "n": 1, "s": "1.2.3" }] }))
        );
    }

    #[test]
    fn reference_names_parse_into_what_they_stand_for() {
        assert_eq!(Reference::parse("version"), Some(Reference::Version));
        assert_eq!(
            Reference::parse("staged.endpoint"),
            Some(Reference::StagedEndpoint(0))
        );
        assert_eq!(
            Reference::parse("staged.endpoints.2"),
            Some(Reference::StagedEndpoint(2))
        );
        assert_eq!(
            Reference::parse("secret.cf_token"),
            Some(Reference::Secret("cf_token".to_owned()))
        );
        assert_eq!(Reference::parse("secret."), None);
        assert_eq!(Reference::parse("staged.endpoints.x"), None);
        assert_eq!(Reference::parse("colour"), None);
    }
}
