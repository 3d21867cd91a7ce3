//! Migration versions as Flyway reads them: numbers separated by `.` or `_` (`1`, `1.1`,
//! `2024_05_01_1200`), compared part by part as numbers, trailing zeros ignored (`1.0` = `1`).

use std::cmp::Ordering;
use std::fmt;

/// A migration version.
#[derive(Debug, Clone)]
pub struct Version {
    /// As written, with `_` shown as `.` (what the history table holds).
    text: String,
    /// The numbers, trailing zeros removed.
    parts: Vec<u64>,
}

impl Version {
    /// Parses `text`; `None` when it is not digits separated by `.` or `_`.
    pub fn parse(text: &str) -> Option<Version> {
        let shown = text.replace('_', ".");
        let mut parts = shown
            .split('.')
            .map(|part| {
                (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| part.parse::<u64>().ok())
                    .flatten()
            })
            .collect::<Option<Vec<u64>>>()?;
        while parts.last() == Some(&0) && parts.len() > 1 {
            parts.pop();
        }
        Some(Version { text: shown, parts })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.parts == other.parts
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn versions_compare_as_numbers_part_by_part() {
        assert!(v("2") < v("10"));
        assert!(v("1.9") < v("1.10"));
        assert!(v("1") < v("1.1"));
        assert_eq!(v("1.0"), v("1"));
        assert_eq!(v("1_2"), v("1.2"));
        assert_eq!(v("1_2").to_string(), "1.2");
    }

    #[test]
    fn anything_but_digits_and_separators_is_not_a_version() {
        for text in ["", "1.", ".1", "1..2", "1a", "v1", "1-2"] {
            assert!(Version::parse(text).is_none(), "{text}");
        }
    }
}
