//! What went wrong inside an engine, before the handle names the database and picks the WIT
//! error kind.

/// A failure of one engine operation.
#[derive(Debug, thiserror::Error)]
pub(super) enum Fault {
    /// The database refused or failed the request (a statement, a limit); retrying as is will
    /// not help.
    #[error("{0}")]
    Failed(String),
    /// The database cannot be reached, or the connection to it was lost.
    #[error("{0}")]
    Unavailable(String),
}

/// `(line, column)`, both from 1, of the byte `offset` in `text` (clamped to its end).
pub(super) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count())
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_is_counted_in_lines_and_characters() {
        let script = "CREATE TABLE a (x int);\nCREAT TABLE b;\n";
        assert_eq!(line_and_column(script, 0), (1, 1));
        assert_eq!(line_and_column(script, 24), (2, 1));
        assert_eq!(line_and_column("é\nxy", 5), (2, 3));
        assert_eq!(line_and_column("ab", 99), (1, 3));
    }
}
