//! Where a key is in a Compose file: `line:col` of a key path (`services.api.depends_on`) in
//! block-style YAML, the style Compose files are written in. `serde_norway` places syntax and type
//! errors itself; this places what is found wrong after parsing (an unknown top-level key, a
//! `depends_on` cycle).

/// The 1-based line and column of the deepest key of `path` found in `text`: the key itself when
/// every key is found, else its nearest ancestor that is (none when not even the first is).
pub fn locate(text: &str, path: &[&str]) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = None;
    let mut start = 0;
    let mut parent_indent: Option<usize> = None;
    for key in path {
        let mut hit = None;
        for (number, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            if parent_indent.is_some_and(|parent| indent <= parent) {
                break;
            }
            if key_of(trimmed) == Some(key) {
                hit = Some((number, indent));
                break;
            }
        }
        let Some((number, indent)) = hit else {
            return found;
        };
        found = Some((number + 1, indent + 1));
        start = number + 1;
        parent_indent = Some(indent);
    }
    found
}

/// The key a mapping line starts with (`api:` or `"api": x` give `api`), if it is one.
fn key_of(line: &str) -> Option<&str> {
    let (key, rest) = line.split_once(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let key = key.trim_end();
    Some(
        key.strip_prefix('"')
            .and_then(|k| k.strip_suffix('"'))
            .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
            .unwrap_or(key),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name: shop\nservices:\n  # the API\n  api:\n    image: a\n    depends_on:\n      - db\n  db:\n    image: \"b\"\nvolumes:\n  data:\n";

    #[test]
    fn a_nested_key_is_found_inside_its_parent_block() {
        assert_eq!(
            locate(TEXT, &["services", "api", "depends_on"]),
            Some((6, 5))
        );
        assert_eq!(locate(TEXT, &["services", "db"]), Some((8, 3)));
        assert_eq!(locate(TEXT, &["volumes"]), Some((10, 1)));
    }

    #[test]
    fn a_key_outside_its_parent_block_is_not_taken_for_it() {
        // `depends_on` exists under `api`, not under `db`: the nearest found is `db`.
        assert_eq!(
            locate(TEXT, &["services", "db", "depends_on"]),
            Some((8, 3))
        );
        assert_eq!(locate(TEXT, &["networks"]), None);
    }
}
