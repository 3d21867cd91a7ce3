//! Removes secret values from text before sluice writes it anywhere.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

/// The marker that replaces a secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Secret values shorter than this many characters are not redacted: a short value also occurs in
/// ordinary text, so hiding every occurrence wrecks the output (a one-character secret would
/// blank out that letter everywhere) while protecting nothing worth it. `sluice validate` warns
/// about each such secret; see docs/security.md, "What redaction cannot do".
pub const MIN_REDACTED_CHARS: usize = 8;

/// Whether `value` is too short to be redacted (see [`MIN_REDACTED_CHARS`]).
pub fn too_short_to_redact(value: &str) -> bool {
    value.chars().count() < MIN_REDACTED_CHARS
}

/// Secret values known to this run; cheap to clone and share.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    values: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// Adds a value to hide, and its JSON-escaped form (so it is hidden inside JSON events and
    /// state too). A value [`too_short_to_redact`] is not added.
    pub fn add(&self, value: &str) {
        if too_short_to_redact(value) {
            return;
        }
        let quoted = serde_json::to_string(value).unwrap_or_default();
        let escaped = quoted.trim_matches('"');
        let Ok(mut values) = self.values.write() else {
            return;
        };
        for form in [value, escaped] {
            if !values.iter().any(|v| v == form) {
                values.push(form.to_owned());
            }
        }
        // Longest first, so a secret containing another is hidden whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// `text` with every known secret value replaced by [`REDACTED`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let Ok(values) = self.values.read() else {
            return Cow::Borrowed(REDACTED);
        };
        let mut out = Cow::Borrowed(text);
        for value in values.iter() {
            if out.contains(value.as_str()) {
                out = Cow::Owned(out.replace(value.as_str(), REDACTED));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_of_a_secret_is_replaced() {
        let r = Redactor::default();
        r.add("hunter22");
        assert_eq!(
            r.redact("pw=hunter22 again hunter22"),
            "pw=[REDACTED] again [REDACTED]"
        );
    }

    #[test]
    fn a_secret_containing_another_is_hidden_whole() {
        let r = Redactor::default();
        r.add("abcd");
        r.add("xxabcdxx");
        assert_eq!(r.redact("token xxabcdxx"), "token [REDACTED]");
    }

    #[test]
    fn a_secret_is_hidden_inside_json_too() {
        let r = Redactor::default();
        r.add("pa\"ss\\word");
        let line = serde_json::json!({ "message": "login with pa\"ss\\word" }).to_string();
        assert_eq!(r.redact(&line), r#"{"message":"login with [REDACTED]"}"#);
    }

    #[test]
    fn a_value_shorter_than_the_minimum_is_not_redacted_and_one_as_long_is() {
        let r = Redactor::default();
        let short = "x".repeat(MIN_REDACTED_CHARS - 1);
        let long = "y".repeat(MIN_REDACTED_CHARS);
        r.add(&short);
        r.add(&long);
        assert_eq!(
            r.redact(&format!("{short} {long}")),
            format!("{short} {REDACTED}")
        );
    }

    #[test]
    fn text_without_secrets_is_not_copied() {
        let r = Redactor::default();
        r.add("secret-value");
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
    }
}
