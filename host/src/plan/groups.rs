//! `[groups.NAME]`: units released together. Converting keeps the names; checking makes sure each
//! is a unit of the plan, in one group at most, and that no unit of an atomic group can stop at a
//! `pause` step (the group's undo needs every unit to have ended in the same run).

use std::collections::BTreeMap;

use super::convert::Converter;
use super::error::PlanError;
use super::model::{Group, Plan, Step};
use super::raw::RawGroup;

/// Converts one `[groups.NAME]` table.
pub(super) fn group(cx: &Converter<'_>, name: &str, raw: &RawGroup) -> Result<Group, PlanError> {
    if raw.units.is_empty() {
        return Err(cx.error_at_key(
            &["groups", name, "units"],
            "a group with no units: expected `units = [\"api\", \"web\"]`",
        ));
    }
    Ok(Group {
        name: name.to_owned(),
        units: raw.units.clone(),
        atomic: raw.atomic,
    })
}

/// Checks every group against the plan's units.
pub(super) fn check(plan: &Plan) -> Result<(), PlanError> {
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, group) in &plan.groups {
        for (position, unit) in group.units.iter().enumerate() {
            let at = ["groups", name.as_str(), "units", &position.to_string()];
            let error = |message: String| PlanError::at(plan, plan.locate(&at), message);
            let Some(declared) = plan.units.get(unit) else {
                return Err(error(format!(
                    "unknown unit `{unit}` in group `{name}`: expected a key of `[units]`"
                )));
            };
            if let Some(other) = owner.insert(unit, name) {
                return Err(error(format!(
                    "unit `{unit}` is in group `{other}` already: a unit belongs to one group at most"
                )));
            }
            if group.atomic && declared.steps.contains(&Step::Pause) {
                return Err(error(format!(
                    "unit `{unit}` of the atomic group `{name}` has a `pause` step: an atomic \
                     group is undone in the run that deploys it, so its units cannot stop \
                     half-way; expected no `pause` (use `wait`), or `atomic = false`"
                )));
            }
        }
    }
    Ok(())
}

impl Plan {
    /// The atomic group the plan unit `unit` (a fleet member's plan name) belongs to, if any.
    pub fn atomic_group_of(&self, unit: &str) -> Option<&Group> {
        self.groups
            .values()
            .find(|group| group.atomic && group.units.iter().any(|u| u == unit))
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::test_support::{DIAMOND, error_of, parse_with};

    #[test]
    fn a_group_lists_its_units_and_is_atomic_unless_it_says_otherwise() {
        let plan = parse_with(&format!(
            "{DIAMOND}[groups.release]\nunits = [\"schema\", \"api\"]\n[groups.loose]\nunits = [\"docs\"]\natomic = false\n"
        ))
        .unwrap();
        assert_eq!(plan.groups["release"].units, ["schema", "api"]);
        assert!(plan.groups["release"].atomic);
        assert!(!plan.groups["loose"].atomic);
        assert_eq!(
            plan.atomic_group_of("api").map(|g| g.name.as_str()),
            Some("release")
        );
        assert_eq!(plan.atomic_group_of("docs"), None);
        assert_eq!(plan.atomic_group_of("web"), None);
    }

    #[test]
    fn an_unknown_or_twice_grouped_unit_and_an_empty_group_are_refused_at_them() {
        let body = format!("{DIAMOND}[groups.release]\nunits = [\"api\", \"nope\"]\n");
        let unknown = error_of(&body);
        assert!(
            unknown
                .message
                .starts_with("unknown unit `nope` in group `release`"),
            "{unknown}"
        );
        // The plan `parse_with` makes has five lines before `body`.
        let line = 5 + body.lines().position(|l| l.starts_with("units")).unwrap() + 1;
        assert_eq!((unknown.line, unknown.col), (line, 17), "{unknown}");
        let twice = error_of(&format!(
            "{DIAMOND}[groups.a]\nunits = [\"api\"]\n[groups.b]\nunits = [\"web\", \"api\"]\n"
        ));
        assert!(
            twice
                .message
                .starts_with("unit `api` is in group `a` already"),
            "{twice}"
        );
        let empty = error_of(&format!("{DIAMOND}[groups.release]\nunits = []\n"));
        assert!(
            empty.message.starts_with("a group with no units"),
            "{empty}"
        );
    }

    #[test]
    fn a_unit_that_pauses_cannot_be_in_an_atomic_group() {
        let body = "[plugins.site]\nsource = \"builtin:static-site\"\n[units.web]\nplugin = \"site\"\nsteps = [{ weight = 10 }, { pause = true }]\n";
        let refused = error_of(&format!("{body}[groups.release]\nunits = [\"web\"]\n"));
        assert!(refused.message.contains("has a `pause` step"), "{refused}");
        parse_with(&format!(
            "{body}[groups.release]\nunits = [\"web\"]\natomic = false\n"
        ))
        .unwrap();
    }
}
