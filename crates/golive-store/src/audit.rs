//! The audit log: one entry per write (a run stored, a mark, a waiver, a
//! sign-off), appended in the same transaction as the record it describes.
//! Each entry carries the hash of its record and of the entry before it, so
//! that an entry changed, inserted or removed behind golive's back breaks the
//! chain, and a record edited or deleted no longer matches its entry.

use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// 1, 2, 3, … with no gaps.
    pub seq: i64,
    pub at: String,
    /// Who did it (`--by`, or the user who ran golive).
    pub actor: String,
    /// `run`, `mark`, `waive`, `sign`.
    pub action: String,
    /// What it was about, in words (`deployment/backups/restore-tested: done`).
    pub subject: String,
    /// The record written: `mark:12`.
    pub record: String,
    pub record_hash: String,
    pub prev: String,
    pub hash: String,
}

/// The hash before the first entry.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 of a JSON-encodable value, as `sha256:HEX`.
pub(crate) fn hash_of(value: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
}

/// The hash an entry must carry, from everything else in it.
pub(crate) fn entry_hash(e: &AuditEntry) -> String {
    hash_of(&(
        &e.prev,
        e.seq,
        &e.at,
        &e.actor,
        &e.action,
        &e.subject,
        &e.record,
        &e.record_hash,
    ))
}

/// What `golive audit verify` found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The entry concerned, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    pub message: String,
}

/// Walks the chain: numbering, links and hashes.
pub(crate) fn verify_chain(entries: &[AuditEntry]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    for e in entries {
        if e.seq != expected_seq {
            findings.push(Finding {
                seq: Some(e.seq),
                message: if e.seq > expected_seq {
                    format!(
                        "entries {expected_seq}..{} are missing: removed from the log",
                        e.seq - 1
                    )
                } else {
                    format!("entry {} is out of order (expected {expected_seq})", e.seq)
                },
            });
        }
        if e.prev != prev {
            findings.push(Finding {
                seq: Some(e.seq),
                message: format!(
                    "entry {} does not follow the entry before it (its link is {}, the chain says {})",
                    e.seq,
                    short(&e.prev),
                    short(&prev)
                ),
            });
        }
        let h = entry_hash(e);
        if h != e.hash {
            findings.push(Finding {
                seq: Some(e.seq),
                message: format!(
                    "entry {} was changed after it was written ({} {} by {})",
                    e.seq, e.action, e.subject, e.actor
                ),
            });
        }
        prev.clone_from(&e.hash);
        expected_seq = e.seq + 1;
    }
    findings
}

/// Compares the records in the tables with what the log says was written.
pub(crate) fn verify_records(entries: &[AuditEntry], records: &[(String, String)]) -> Vec<Finding> {
    use std::collections::HashMap;
    let mut findings = Vec::new();
    let logged: HashMap<&str, &AuditEntry> =
        entries.iter().map(|e| (e.record.as_str(), e)).collect();
    let present: HashMap<&str, &str> = records
        .iter()
        .map(|(r, h)| (r.as_str(), h.as_str()))
        .collect();
    for (record, hash) in records {
        match logged.get(record.as_str()) {
            None => findings.push(Finding {
                seq: None,
                message: format!("{record} is not in the audit log: written behind golive's back"),
            }),
            Some(e) if e.record_hash != *hash => findings.push(Finding {
                seq: Some(e.seq),
                message: format!(
                    "{record} differs from what entry {} recorded: changed behind golive's back",
                    e.seq
                ),
            }),
            Some(_) => {}
        }
    }
    for e in entries {
        if !present.contains_key(e.record.as_str()) {
            findings.push(Finding {
                seq: Some(e.seq),
                message: format!(
                    "{} (entry {}: {} {}) is gone: removed behind golive's back",
                    e.record, e.seq, e.action, e.subject
                ),
            });
        }
    }
    findings
}

fn short(h: &str) -> &str {
    h.get(..19).unwrap_or(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at: "2026-01-01T00:00:00Z".into(),
                    actor: "ann".into(),
                    action: "mark".into(),
                    subject: format!("item-{seq}: done"),
                    record: format!("mark:{seq}"),
                    record_hash: hash_of(&seq),
                    prev: prev.clone(),
                    hash: String::new(),
                };
                e.hash = entry_hash(&e);
                prev.clone_from(&e.hash);
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert!(verify_chain(&chain(5)).is_empty());
    }

    #[test]
    fn edits_and_removals_break_the_chain() {
        let mut c = chain(5);
        c[2].actor = "mallory".into();
        let f = verify_chain(&c);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("entry 3 was changed"), "{f:?}");

        let mut c = chain(5);
        c.remove(1);
        let f = verify_chain(&c);
        assert!(
            f.iter().any(|f| f.message.contains("2..2 are missing")),
            "{f:?}"
        );
        assert!(
            f.iter().any(|f| f.message.contains("does not follow")),
            "{f:?}"
        );
    }

    #[test]
    fn records_must_match_their_entries() {
        let c = chain(2);
        let records = vec![
            ("mark:1".to_string(), hash_of(&1)),
            ("mark:2".to_string(), hash_of(&99)),
            ("mark:3".to_string(), hash_of(&3)),
        ];
        let f = verify_records(&c, &records);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("mark:2 differs"));
        assert!(f[1].message.contains("mark:3 is not in the audit log"));
        let f = verify_records(&c, &records[..1]);
        assert!(f[0].message.contains("mark:2 (entry 2"), "{f:?}");
    }
}
