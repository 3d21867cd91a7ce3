//! The one placeholder syntax of the project templates: `{{key}}`, a key of lowercase letters
//! and `_`, replaced by its value. Anything else between braces (`{{ a }}`, `{{`) is text.

use std::collections::BTreeMap;

/// `text` with each `{{key}}` replaced by `vars[key]`; a well-formed placeholder whose key is not
/// in `vars` is an error naming it (a template and the renderer disagree).
pub fn render(text: &str, vars: &BTreeMap<&str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let key_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        let key = &after[..key_len];
        if key.is_empty() || !after[key_len..].starts_with("}}") {
            out.push_str("{{");
            rest = after;
            continue;
        }
        let value = vars
            .get(key)
            .ok_or_else(|| format!("unknown placeholder `{{{{{key}}}}}`"))?;
        out.push_str(value);
        rest = &after[key_len + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<&'static str, String> {
        BTreeMap::from([("name", "web".to_owned()), ("wit_imports", String::new())])
    }

    #[test]
    fn each_placeholder_is_replaced_by_its_value_and_the_rest_is_kept() {
        let text = "package example:{{name}};\n{{wit_imports}}plugin {{name}}.wasm";
        assert_eq!(
            render(text, &vars()).unwrap(),
            "package example:web;\nplugin web.wasm"
        );
    }

    #[test]
    fn braces_that_are_not_a_placeholder_are_text() {
        let text = "format!(\"{{}}\"); {{ name }} {{Name}} {{name";
        assert_eq!(render(text, &vars()).unwrap(), text);
    }

    #[test]
    fn a_placeholder_the_renderer_does_not_know_is_an_error_naming_it() {
        assert_eq!(
            render("{{nmae}}", &vars()).unwrap_err(),
            "unknown placeholder `{{nmae}}`"
        );
    }
}
