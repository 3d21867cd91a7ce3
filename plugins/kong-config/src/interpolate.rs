//! `${NAME}` references in the declarative file, filled from the unit's `vars`; `$${` is a
//! literal `${`. An unknown or unterminated reference is an error at its line and column.

use std::collections::BTreeMap;

/// `text` with every `${NAME}` replaced by `vars[NAME]`; the error names `file:line:col`.
pub fn interpolate(
    file: &str,
    text: &str,
    vars: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        if let Some(literal) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = literal;
        } else if let Some(reference) = after.strip_prefix("${") {
            let position = || {
                let offset = text.len() - after.len();
                let line = text[..offset].matches('\n').count() + 1;
                let column = offset - text[..offset].rfind('\n').map_or(0, |n| n + 1) + 1;
                format!("{file}:{line}:{column}")
            };
            let Some(end) = reference.find('}') else {
                return Err(format!(
                    "{}: unterminated `${{`: expected `${{NAME}}`",
                    position()
                ));
            };
            let name = &reference[..end];
            let value = vars.get(name).ok_or_else(|| {
                let known: Vec<&str> = vars.keys().map(String::as_str).collect();
                format!(
                    "{}: unknown variable `${{{name}}}`: expected one of the unit's vars ({})",
                    position(),
                    if known.is_empty() {
                        "none set".to_owned()
                    } else {
                        known.join(", ")
                    }
                )
            })?;
            out.push_str(value);
            rest = &reference[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        BTreeMap::from([("port".to_owned(), "9001".to_owned())])
    }

    #[test]
    fn references_are_filled_and_escapes_kept_literal() {
        let text = "target: 127.0.0.1:${port}\nnote: $${not} a $ sign\n";
        assert_eq!(
            interpolate("k.yaml", text, &vars()).unwrap(),
            "target: 127.0.0.1:9001\nnote: ${not} a $ sign\n"
        );
    }

    #[test]
    fn an_unknown_variable_names_its_line_and_column_and_the_known_ones() {
        let err = interpolate("/kong/k.yaml", "a: 1\nb: x${nope}\n", &vars()).unwrap_err();
        assert_eq!(
            err,
            "/kong/k.yaml:2:5: unknown variable `${nope}`: expected one of the unit's vars (port)"
        );
    }

    #[test]
    fn an_unterminated_reference_is_an_error() {
        assert!(
            interpolate("k", "a: ${port", &vars())
                .unwrap_err()
                .contains("unterminated")
        );
    }
}
