//! WIT values to and from PostgreSQL's wire formats.
//!
//! A parameter goes in the binary format where the WIT value and the placeholder's type agree
//! (an integer for `int2/int4/int8`, a real for `float4/float8`, a boolean for `bool`, bytes in
//! any case) and otherwise in the text format, which the server parses as it would a literal of
//! that type (`'2024-05-01'` for a `date`, `'12.50'` for a `numeric`): values stay bound, never
//! spliced. A column is read back for the types a plugin can use directly; others are an error
//! that says to cast them to text in the query.

use std::error::Error;

use bytes::BytesMut;
use tokio_postgres::types::{Format, FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};

use crate::wit::sql::Value;

type Boxed = Box<dyn Error + Sync + Send>;

/// A WIT value bound to a placeholder.
#[derive(Debug)]
pub(super) struct Param<'a>(pub &'a Value);

impl Param<'_> {
    /// Whether this value is written in the placeholder type's binary format.
    fn is_binary(&self, ty: &Type) -> bool {
        match self.0 {
            Value::Null | Value::Blob(_) => true,
            Value::Boolean(_) => *ty == Type::BOOL,
            Value::Integer(_) => {
                [Type::INT2, Type::INT4, Type::INT8, Type::OID].contains(ty) || is_float(ty)
            }
            Value::Real(_) => is_float(ty),
            Value::Text(_) => false,
        }
    }
}

fn is_float(ty: &Type) -> bool {
    *ty == Type::FLOAT4 || *ty == Type::FLOAT8
}

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Boxed> {
        if self.is_binary(ty) {
            return binary(self.0, ty, out);
        }
        let text = match self.0 {
            Value::Boolean(b) => b.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Real(f) => real_text(*f),
            Value::Text(text) => text.clone(),
            Value::Null | Value::Blob(_) => return binary(self.0, ty, out),
        };
        out.extend_from_slice(text.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, ty: &Type) -> Format {
        if self.is_binary(ty) {
            Format::Binary
        } else {
            Format::Text
        }
    }

    to_sql_checked!();
}

fn binary(value: &Value, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Boxed> {
    let out_of_range = |i: &i64| format!("{i} is out of range for type {}", ty.name());
    match (value, ty) {
        (Value::Null, _) => Ok(IsNull::Yes),
        (Value::Blob(bytes), _) => {
            out.extend_from_slice(bytes);
            Ok(IsNull::No)
        }
        (Value::Text(text), _) => {
            out.extend_from_slice(text.as_bytes());
            Ok(IsNull::No)
        }
        (Value::Boolean(b), _) => b.to_sql(ty, out),
        (Value::Integer(i), &Type::INT2) => i16::try_from(*i)
            .map_err(|_| out_of_range(i))?
            .to_sql(ty, out),
        (Value::Integer(i), &Type::INT4) => i32::try_from(*i)
            .map_err(|_| out_of_range(i))?
            .to_sql(ty, out),
        (Value::Integer(i), &Type::OID) => u32::try_from(*i)
            .map_err(|_| out_of_range(i))?
            .to_sql(ty, out),
        (Value::Integer(i), &Type::INT8) => i.to_sql(ty, out),
        #[allow(clippy::cast_precision_loss)] // as the server itself would convert it
        (Value::Integer(i), _) => real_binary(*i as f64, ty, out),
        (Value::Real(f), _) => real_binary(*f, ty, out),
    }
}

fn real_binary(value: f64, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Boxed> {
    if *ty == Type::FLOAT4 {
        #[allow(clippy::cast_possible_truncation)] // float4 is what the column holds
        (value as f32).to_sql(ty, out)
    } else {
        value.to_sql(ty, out)
    }
}

/// A float as PostgreSQL's text input reads it.
fn real_text(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        value.to_string()
    }
}

/// One column of one row, as a WIT value.
pub(super) struct Cell(pub Value);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Boxed> {
        cell(ty, raw).map(Cell)
    }

    fn from_sql_null(_: &Type) -> Result<Self, Boxed> {
        Ok(Cell(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

fn cell(ty: &Type, raw: &[u8]) -> Result<Value, Boxed> {
    let text = |bytes: &[u8]| Value::Text(String::from_utf8_lossy(bytes).into_owned());
    Ok(match *ty {
        Type::BOOL => Value::Boolean(bool::from_sql(ty, raw)?),
        Type::INT2 => Value::Integer(i16::from_sql(ty, raw)?.into()),
        Type::INT4 => Value::Integer(i32::from_sql(ty, raw)?.into()),
        Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
        Type::OID => Value::Integer(u32::from_sql(ty, raw)?.into()),
        Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
        Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
        Type::BYTEA => Value::Blob(raw.to_vec()),
        Type::TEXT
        | Type::VARCHAR
        | Type::BPCHAR
        | Type::NAME
        | Type::UNKNOWN
        | Type::JSON
        | Type::XML => text(raw),
        // jsonb's binary format is a version byte (1) and the text.
        Type::JSONB => text(raw.get(1..).unwrap_or_default()),
        Type::UUID => Value::Text(uuid::Uuid::from_slice(raw)?.hyphenated().to_string()),
        _ => match ty.kind() {
            Kind::Enum(_) => text(raw),
            Kind::Domain(inner) => cell(inner, raw)?,
            _ => {
                return Err(format!(
                    "type {} cannot be read through sql: cast it in the query (`::text`)",
                    ty.name()
                )
                .into());
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(value: &Value, ty: &Type) -> (bool, Vec<u8>) {
        let mut out = BytesMut::new();
        let param = Param(value);
        let null = matches!(param.to_sql_checked(ty, &mut out).unwrap(), IsNull::Yes);
        let binary = matches!(param.encode_format(ty), Format::Binary);
        assert!(!null || out.is_empty());
        (binary, out.to_vec())
    }

    #[test]
    fn an_integer_fits_the_placeholder_type_or_is_refused() {
        assert_eq!(
            sent(&Value::Integer(7), &Type::INT4),
            (true, vec![0, 0, 0, 7])
        );
        assert_eq!(sent(&Value::Integer(7), &Type::INT2), (true, vec![0, 7]));
        let mut out = BytesMut::new();
        let Err(error) = Param(&Value::Integer(70_000)).to_sql_checked(&Type::INT2, &mut out)
        else {
            panic!("70000 does not fit an int2");
        };
        assert_eq!(error.to_string(), "70000 is out of range for type int2");
    }

    #[test]
    fn values_of_other_types_are_sent_as_text_for_the_server_to_parse() {
        assert_eq!(
            sent(&Value::Text("2024-05-01".into()), &Type::DATE),
            (false, b"2024-05-01".to_vec())
        );
        assert_eq!(
            sent(&Value::Integer(12), &Type::NUMERIC),
            (false, b"12".to_vec())
        );
        assert_eq!(
            sent(&Value::Real(f64::NEG_INFINITY), &Type::NUMERIC),
            (false, b"-Infinity".to_vec())
        );
    }

    #[test]
    fn unreadable_column_types_say_to_cast_them() {
        let error = cell(&Type::TIMESTAMPTZ, &[0; 8]).unwrap_err();
        assert!(
            error.to_string().contains("cast it in the query"),
            "{error}"
        );
        assert!(matches!(cell(&Type::JSONB, b"\x01{}").unwrap(), Value::Text(t) if t == "{}"));
    }
}
