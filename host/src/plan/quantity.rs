//! Durations (`500ms`, `10s`, `1m30s`) and byte sizes (`256MiB`, or a plain number of bytes).

use std::time::Duration;

/// Parses a duration such as `500ms`, `10s` or `1m30s`; the error says what was expected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|_| format!("invalid duration `{text}`: expected e.g. 500ms, 10s, 2m"))
}

/// Parses a size such as `256MiB`, `1GiB`, `512KiB` or `4096B`; the error says what was expected.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let invalid = || format!("invalid size `{text}`: expected e.g. 256MiB, 1GiB, 512KiB or 4096B");
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    let multiplier: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(invalid()),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .filter(|&bytes| bytes > 0)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_milliseconds_seconds_and_compound_forms() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn a_bad_duration_says_what_was_expected() {
        assert_eq!(
            parse_duration("5 parsecs"),
            Err("invalid duration `5 parsecs`: expected e.g. 500ms, 10s, 2m".to_owned())
        );
    }

    #[test]
    fn sizes_accept_binary_units_and_plain_bytes() {
        assert_eq!(parse_size("256MiB"), Ok(256 * 1024 * 1024));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512 KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("4096B"), Ok(4096));
        assert_eq!(parse_size("4096"), Ok(4096));
    }

    #[test]
    fn a_bad_size_is_an_error() {
        assert!(parse_size("256MB").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("0MiB").is_err());
        assert!(parse_size("99999999999GiB").is_err());
    }
}
