//! Pure logic, tested on the machine's own target without wasm (`cargo test`): no host call here.

/// The release directory for `version`: the version itself, when it can name a directory.
pub fn release_name(version: &str) -> Result<&str, String> {
    let unfit = version.is_empty()
        || version.starts_with('.')
        || version.contains(['/', '\\'])
        || version.chars().any(char::is_control);
    if unfit {
        Err(format!("version `{version}` cannot name a release directory"))
    } else {
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::release_name;

    #[test]
    fn release_names_are_versions_and_never_leave_releases() {
        assert_eq!(release_name("v1.2"), Ok("v1.2"));
        for bad in ["", "..", "../v1", "a/b", ".hidden", "v1\n"] {
            assert!(release_name(bad).is_err(), "{bad:?}");
        }
    }
}
