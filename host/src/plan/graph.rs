//! The unit graph built by `depends_on`: deployment waves, dependents, and cycle detection.

use std::collections::{BTreeMap, BTreeSet};

use super::model::Plan;

/// Splits `units` into waves: each wave holds the units whose dependencies (among `units`) are all
/// in earlier waves, names sorted. Dependencies outside `units` are taken as already deployed.
pub fn waves(plan: &Plan, units: &[String]) -> Vec<Vec<String>> {
    let selected: BTreeSet<&str> = units.iter().map(String::as_str).collect();
    let mut pending: BTreeMap<&str, BTreeSet<&str>> = selected
        .iter()
        .map(|&name| {
            let deps = plan
                .unit(name)
                .map(|unit| {
                    unit.depends_on
                        .iter()
                        .map(String::as_str)
                        .filter(|dep| selected.contains(dep))
                        .collect()
                })
                .unwrap_or_default();
            (name, deps)
        })
        .collect();
    let mut waves = Vec::new();
    while !pending.is_empty() {
        let ready: Vec<&str> = pending
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(&name, _)| name)
            .collect();
        // Only a dependency cycle leaves nothing ready, and loading a plan rejects cycles.
        if ready.is_empty() {
            break;
        }
        for name in &ready {
            pending.remove(name);
        }
        for deps in pending.values_mut() {
            deps.retain(|dep| !ready.contains(dep));
        }
        waves.push(ready.into_iter().map(str::to_owned).collect());
    }
    waves
}

/// Every unit that depends on `unit`, directly or through others, sorted by name.
pub fn dependents(plan: &Plan, unit: &str) -> Vec<String> {
    let mut found: BTreeSet<&str> = BTreeSet::new();
    let mut frontier = vec![unit];
    while let Some(current) = frontier.pop() {
        for (name, candidate) in &plan.units {
            let depends = candidate.depends_on.iter().any(|dep| dep == current);
            if depends && name != unit && found.insert(name) {
                frontier.push(name);
            }
        }
    }
    found.into_iter().map(str::to_owned).collect()
}

/// A dependency cycle, if any, as the path that closes it: `["a", "b", "a"]`.
pub(super) fn find_cycle(plan: &Plan) -> Option<Vec<String>> {
    let mut finished = BTreeSet::new();
    let mut stack = Vec::new();
    plan.units
        .keys()
        .find_map(|name| visit(plan, name, &mut stack, &mut finished))
}

fn visit<'p>(
    plan: &'p Plan,
    name: &'p str,
    stack: &mut Vec<&'p str>,
    finished: &mut BTreeSet<&'p str>,
) -> Option<Vec<String>> {
    if finished.contains(name) {
        return None;
    }
    if let Some(start) = stack.iter().position(|&on_stack| on_stack == name) {
        let mut cycle: Vec<String> = stack[start..].iter().map(|&n| n.to_owned()).collect();
        cycle.push(name.to_owned());
        return Some(cycle);
    }
    stack.push(name);
    let deps = plan
        .unit(name)
        .map(|unit| unit.depends_on.as_slice())
        .unwrap_or_default();
    let cycle = deps
        .iter()
        .find_map(|dep| visit(plan, dep, stack, finished));
    stack.pop();
    finished.insert(name);
    cycle
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_support::{DIAMOND, parse_with};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn waves_put_each_unit_after_its_dependencies_with_sorted_names() {
        let plan = parse_with(DIAMOND).unwrap();
        let all: Vec<String> = plan.units.keys().cloned().collect();
        assert_eq!(
            waves(&plan, &all),
            vec![
                names(&["docs", "schema"]),
                names(&["api", "worker"]),
                names(&["web"])
            ]
        );
    }

    #[test]
    fn waves_of_a_subset_ignore_dependencies_outside_it() {
        let plan = parse_with(DIAMOND).unwrap();
        assert_eq!(
            waves(&plan, &names(&["web", "api"])),
            vec![names(&["api"]), names(&["web"])]
        );
    }

    #[test]
    fn dependents_are_transitive_and_sorted() {
        let plan = parse_with(DIAMOND).unwrap();
        assert_eq!(
            dependents(&plan, "schema"),
            names(&["api", "web", "worker"])
        );
        assert_eq!(dependents(&plan, "web"), Vec::<String>::new());
    }

    #[test]
    fn a_cycle_is_reported_as_the_path_that_closes_it() {
        let error = crate::plan::test_support::error_of(
            r#"
[plugins.site]
source = "builtin:static-site"
[units.a]
plugin = "site"
depends_on = ["b"]
[units.b]
plugin = "site"
depends_on = ["a"]
"#,
        );
        assert!(
            error.message.contains("dependency cycle: a -> b -> a"),
            "{error}"
        );
    }
}
