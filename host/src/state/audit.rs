//! The tamper-evident audit log: every deployment event appended with the hash of the record
//! before it, so an edited, deleted or reordered record breaks the chain at a place
//! [`verify`] names.
//!
//! What it cannot see: records cut off the *end* of the log (nothing comes after them to
//! disagree). Export the log (`sluice audit export`) somewhere append-only to anchor its head.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to append.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// The environment.
    pub environment: String,
    /// The deployment it belongs to.
    pub deployment_id: String,
    /// What happened: `deployment-started`, `unit-finished`, `deployment-finished`.
    pub event: String,
    /// Details as JSON text (already redacted).
    pub detail: String,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// The environment.
    pub environment: String,
    /// The deployment.
    pub deployment_id: String,
    /// What happened.
    pub event: String,
    /// Details (JSON text).
    pub detail: String,
    /// The hash of the record before ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// sha256 over this record's fields and `prev_hash`.
    pub hash: String,
}

impl AuditRecord {
    /// The record `entry` becomes at position `seq` after a record hashing to `prev_hash`.
    pub fn chain(entry: &AuditEntry, seq: i64, prev_hash: &str) -> AuditRecord {
        let mut record = AuditRecord {
            seq,
            at_ms: entry.at_ms,
            actor: entry.actor.clone(),
            environment: entry.environment.clone(),
            deployment_id: entry.deployment_id.clone(),
            event: entry.event.clone(),
            detail: entry.detail.clone(),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        record.hash = record.computed_hash();
        record
    }

    /// The hash this record's contents should have.
    fn computed_hash(&self) -> String {
        let fields = (
            self.seq,
            self.at_ms,
            &self.actor,
            &self.environment,
            &self.deployment_id,
            &self.event,
            &self.detail,
            &self.prev_hash,
        );
        let canonical = serde_json::to_string(&fields).unwrap_or_default();
        hex::encode(Sha256::digest(canonical.as_bytes()))
    }
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log broken at record #{seq}: {problem}")]
pub struct AuditBreak {
    /// The first bad record's position (as stored).
    pub seq: i64,
    /// What is wrong with it.
    pub problem: String,
}

/// Checks the whole chain, in stored order; the number of records when it holds.
pub fn verify(records: &[AuditRecord]) -> Result<usize, AuditBreak> {
    let mut prev_hash = GENESIS;
    for (expected_seq, record) in (1..).zip(records) {
        if record.seq != expected_seq {
            return Err(AuditBreak {
                seq: record.seq,
                problem: format!(
                    "expected record #{expected_seq} here: a record was deleted or the records were reordered"
                ),
            });
        }
        if record.prev_hash != prev_hash {
            return Err(AuditBreak {
                seq: record.seq,
                problem: "it does not follow the record before it: a record was deleted, inserted or reordered".into(),
            });
        }
        if record.hash != record.computed_hash() {
            return Err(AuditBreak {
                seq: record.seq,
                problem: "its contents do not match its hash: the record was edited".into(),
            });
        }
        prev_hash = &record.hash;
    }
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: i64) -> Vec<AuditRecord> {
        let mut records: Vec<AuditRecord> = Vec::new();
        for seq in 1..=n {
            let prev = records
                .last()
                .map(|r| r.hash.clone())
                .unwrap_or_else(|| GENESIS.to_owned());
            let entry = AuditEntry {
                at_ms: seq * 1000,
                actor: "ci".into(),
                environment: "prod".into(),
                deployment_id: format!("d{seq}"),
                event: "unit-finished".into(),
                detail: format!("{{\"n\":{seq}}}"),
            };
            records.push(AuditRecord::chain(&entry, seq, &prev));
        }
        records
    }

    #[test]
    fn an_untouched_log_verifies() {
        assert_eq!(verify(&log(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn an_edited_record_is_named() {
        let mut records = log(5);
        records[2].detail = "{\"n\":99}".into();
        let broken = verify(&records).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(broken.problem.contains("edited"));
    }

    #[test]
    fn a_deleted_record_is_found_where_the_gap_is() {
        let mut records = log(5);
        records.remove(1);
        assert_eq!(verify(&records).unwrap_err().seq, 3);
    }

    #[test]
    fn reordered_records_are_found() {
        let mut records = log(5);
        records.swap(1, 3);
        assert_eq!(verify(&records).unwrap_err().seq, 4);
    }

    #[test]
    fn a_deleted_record_with_renumbered_successors_still_breaks_the_chain() {
        let mut records = log(5);
        records.remove(1);
        for (seq, record) in (1..).zip(records.iter_mut()) {
            record.seq = seq;
        }
        let broken = verify(&records).unwrap_err();
        assert_eq!(broken.seq, 2);
    }
}
