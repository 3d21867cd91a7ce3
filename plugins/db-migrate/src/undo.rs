//! What a rollback undoes: the versioned migrations applied after a point, newest first, each
//! with its down script, or the list of those that have none.

use crate::history::{Applied, History};
use crate::scripts::{Script, Scripts};

/// Which applied migrations a rollback undoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Those one deployment applied: written after `after_rank` by `installed_by`. Used when a
    /// deployment fails: another run may have applied migrations meanwhile, and they stay.
    Deployment {
        /// The last rank before the deployment began.
        after_rank: i64,
        /// The `installed_by` of the deployment's rows.
        installed_by: String,
    },
    /// Everything applied after `after_rank` (returning to an earlier deployment).
    Since {
        /// The last rank of the deployment being returned to.
        after_rank: i64,
    },
}

/// The undo work, newest migration first.
#[derive(Debug)]
pub struct Undo<'a> {
    /// Each migration to undo and its down script.
    pub steps: Vec<(&'a Applied, &'a Script)>,
    /// The migrations to undo that have no down script.
    pub missing: Vec<&'a Applied>,
}

impl<'a> Undo<'a> {
    /// The undo work for `scope`.
    pub fn new(history: &'a History, scripts: &'a Scripts, scope: &Scope) -> Undo<'a> {
        let mut rows: Vec<&Applied> = history
            .versioned()
            .filter(|row| match scope {
                Scope::Deployment {
                    after_rank,
                    installed_by,
                } => row.rank > *after_rank && row.installed_by == *installed_by,
                Scope::Since { after_rank } => row.rank > *after_rank,
            })
            .collect();
        rows.sort_by_key(|row| std::cmp::Reverse(row.rank));
        let mut undo = Undo {
            steps: Vec::new(),
            missing: Vec::new(),
        };
        for row in rows {
            match row.version.as_ref().and_then(|v| scripts.undo_of(v)) {
                Some(script) => undo.steps.push((row, script)),
                None => undo.missing.push(row),
            }
        }
        undo
    }

    /// Whether there is nothing to undo.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.missing.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::fixtures::applied;

    fn scripts() -> Scripts {
        let files = [
            "V1__a.sql",
            "V2__b.sql",
            "U2__b.sql",
            "V3__c.sql",
            "U3__c.sql",
            "V4__d.sql",
        ];
        Scripts::from_files(
            files
                .iter()
                .map(|f| (f.to_string(), String::new()))
                .collect(),
        )
        .unwrap()
    }

    fn history() -> History {
        let mut other = applied(4, "4", "V4__d.sql", 0);
        other.installed_by = History::installer("d2");
        History {
            rows: vec![
                applied(1, "1", "V1__a.sql", 0),
                applied(2, "2", "V2__b.sql", 0),
                applied(3, "3", "V3__c.sql", 0),
                other,
            ],
        }
    }

    #[test]
    fn a_deployment_undoes_only_its_own_migrations_newest_first() {
        let (history, scripts) = (history(), scripts());
        let scope = Scope::Deployment {
            after_rank: 1,
            installed_by: History::installer("d1"),
        };
        let undo = Undo::new(&history, &scripts, &scope);
        let files: Vec<&str> = undo.steps.iter().map(|(_, s)| s.file.as_str()).collect();
        assert_eq!(files, ["U3__c.sql", "U2__b.sql"]);
        assert!(undo.missing.is_empty());
    }

    #[test]
    fn returning_to_an_earlier_point_undoes_everything_since_and_names_what_cannot_be() {
        let (history, scripts) = (history(), scripts());
        let undo = Undo::new(&history, &scripts, &Scope::Since { after_rank: 1 });
        let missing: Vec<&str> = undo.missing.iter().map(|r| r.script.as_str()).collect();
        assert_eq!(missing, ["V4__d.sql"]);
        assert_eq!(undo.steps.len(), 2);
        assert!(Undo::new(&history, &scripts, &Scope::Since { after_rank: 4 }).is_empty());
    }
}
