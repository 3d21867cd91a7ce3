//! A query's rows, collected within the host's caps: more is an error, never a silent cut.

use super::fault::Fault;
use super::{MAX_RESULT_BYTES, MAX_ROWS};
use crate::wit::sql::{Rows, Value};

/// Collects a query's rows within [`MAX_ROWS`] and [`MAX_RESULT_BYTES`].
pub(super) struct RowsBuilder {
    rows: Rows,
    bytes: usize,
}

impl RowsBuilder {
    /// An empty result with these columns.
    pub(super) fn new(columns: Vec<String>) -> Result<RowsBuilder, Fault> {
        let bytes = columns.iter().map(String::len).sum();
        let builder = RowsBuilder {
            rows: Rows {
                columns,
                rows: Vec::new(),
            },
            bytes,
        };
        builder.within_bytes()?;
        Ok(builder)
    }

    fn within_bytes(&self) -> Result<(), Fault> {
        if self.bytes > MAX_RESULT_BYTES {
            return Err(Fault::Failed(format!(
                "the result is larger than the host's cap of {MAX_RESULT_BYTES} bytes: select \
                 fewer columns or rows (LIMIT/OFFSET)"
            )));
        }
        Ok(())
    }

    /// Adds a row, or fails when the result would go over a cap.
    pub(super) fn push(&mut self, row: Vec<Value>) -> Result<(), Fault> {
        if self.rows.rows.len() >= MAX_ROWS {
            return Err(Fault::Failed(format!(
                "the query returned more than {MAX_ROWS} rows, the host's cap: page it with \
                 LIMIT/OFFSET"
            )));
        }
        self.bytes += row.iter().map(value_bytes).sum::<usize>();
        self.within_bytes()?;
        self.rows.rows.push(row);
        Ok(())
    }

    /// The rows.
    pub(super) fn finish(self) -> Rows {
        self.rows
    }
}

fn value_bytes(value: &Value) -> usize {
    match value {
        Value::Text(text) => text.len(),
        Value::Blob(bytes) => bytes.len(),
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_over_the_row_cap_is_an_error_not_a_truncation() {
        let mut rows = RowsBuilder::new(vec!["n".into()]).unwrap();
        for n in 0..MAX_ROWS {
            rows.push(vec![Value::Integer(n as i64)]).unwrap();
        }
        let error = rows.push(vec![Value::Integer(0)]).unwrap_err();
        assert!(
            error.to_string().contains("more than 10000 rows"),
            "{error}"
        );
    }

    #[test]
    fn a_result_over_the_byte_cap_is_an_error() {
        let mut rows = RowsBuilder::new(vec!["blob".into()]).unwrap();
        let big = Value::Blob(vec![0; MAX_RESULT_BYTES / 2]);
        rows.push(vec![big.clone()]).unwrap();
        assert!(rows.push(vec![big]).is_err());
    }
}
