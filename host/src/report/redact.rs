//! Removes secret values from text before sluice writes it anywhere.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

/// The marker that replaces a secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Secret values known to this run; cheap to clone and share.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    values: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// Adds a value to hide. Values shorter than 4 bytes are hidden too, but are likely to
    /// blank out unrelated text: keep secrets long.
    pub fn add(&self, value: &str) {
        if value.is_empty() {
            return;
        }
        if let Ok(mut values) = self.values.write()
            && !values.iter().any(|v| v == value)
        {
            values.push(value.to_owned());
            // Longest first, so a secret containing another is hidden whole.
            values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
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
    fn text_without_secrets_is_not_copied() {
        let r = Redactor::default();
        r.add("secret-value");
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
    }
}
