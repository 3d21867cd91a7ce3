//! When each selected unit deploys: as soon as every unit it depends on (among the selected) has
//! finished, at most `parallel` at a time (0: no limit). A unit whose dependency did not deploy
//! (failed, or paused) is skipped at once, naming it; units that do not depend on it go on to the
//! end.

use std::collections::BTreeMap;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::outcome::UnitResult;
use crate::plan::graph;
use crate::plan::model::{Plan, Unit};
use crate::state::Outcome;

/// A dependency that did not deploy, and how it ended (its worst member's outcome).
pub(super) type Blocked = (String, Outcome);

/// Runs `deploy(unit, blocked)` for every unit in `selected`, where `blocked` names the unit's
/// dependencies that did not deploy (empty: go ahead); the results, in the order units finished.
pub(super) async fn run<'a, F, Fut>(
    plan: &'a Plan,
    selected: &[String],
    parallel: usize,
    deploy: F,
) -> Vec<UnitResult>
where
    F: Fn(&'a Unit, Vec<Blocked>) -> Fut,
    Fut: Future<Output = Vec<UnitResult>>,
{
    let limit = if parallel == 0 { usize::MAX } else { parallel };
    let mut waiting: Vec<&'a Unit> = graph::waves(plan, selected)
        .into_iter()
        .flatten()
        .filter_map(|name| plan.units.get(&name))
        .collect();
    let selected_deps = |unit: &'a Unit| -> Vec<&'a String> {
        unit.depends_on
            .iter()
            .filter(|dep| selected.contains(dep))
            .collect()
    };
    let mut ended: BTreeMap<&'a str, Outcome> = BTreeMap::new();
    let mut running = FuturesUnordered::new();
    let mut results = Vec::new();
    loop {
        let mut index = 0;
        while index < waiting.len() {
            let unit = waiting[index];
            let deps = selected_deps(unit);
            if !deps.iter().all(|dep| ended.contains_key(dep.as_str())) {
                index += 1;
                continue;
            }
            let blocked: Vec<Blocked> = deps
                .into_iter()
                .map(|dep| (dep.clone(), ended[dep.as_str()]))
                .filter(|(_, outcome)| !deployed(*outcome))
                .collect();
            if blocked.is_empty() && running.len() >= limit {
                index += 1;
                continue;
            }
            waiting.remove(index);
            let work = deploy(unit, blocked);
            running.push(async move { (unit.name.as_str(), work.await) });
        }
        let Some((name, unit_results)) = running.next().await else {
            break;
        };
        let worst = unit_results
            .iter()
            .map(|r| r.outcome)
            .max_by_key(|outcome| outcome.severity())
            .unwrap_or(Outcome::Unchanged);
        ended.insert(name, worst);
        results.extend(unit_results);
    }
    results
}

/// Whether a unit that ended so is deployed: its dependents may go ahead.
fn deployed(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Succeeded | Outcome::Unchanged)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::plan::test_support::{DIAMOND, parse_with};

    /// What the scheduler did: each unit's start (with what blocked it) and end, in order, and
    /// how many ran at once at most.
    #[derive(Default)]
    struct Log {
        events: Vec<String>,
        running: usize,
        most_at_once: usize,
    }

    fn all(plan: &Plan) -> Vec<String> {
        plan.units.keys().cloned().collect()
    }

    /// Schedules `selected` of `plan`, each unit taking a few turns of the executor; the units
    /// in `failing` fail, a blocked unit is skipped. The results' units and outcomes, and the log.
    async fn schedule(
        plan: &Plan,
        selected: &[String],
        parallel: usize,
        failing: &[&str],
    ) -> (Vec<(String, Outcome)>, Log) {
        let log = RefCell::new(Log::default());
        let results = run(plan, selected, parallel, |unit, blocked| {
            let log = &log;
            async move {
                {
                    let mut log = log.borrow_mut();
                    let names: Vec<&String> = blocked.iter().map(|(name, _)| name).collect();
                    log.events.push(format!("start {} {names:?}", unit.name));
                    log.running += 1;
                    log.most_at_once = log.most_at_once.max(log.running);
                }
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                let outcome = if !blocked.is_empty() {
                    Outcome::Skipped
                } else if failing.contains(&unit.name.as_str()) {
                    Outcome::Failed
                } else {
                    Outcome::Succeeded
                };
                let mut log = log.borrow_mut();
                log.events.push(format!("end {}", unit.name));
                log.running -= 1;
                vec![UnitResult {
                    unit: unit.name.clone(),
                    version: "v1".into(),
                    outcome,
                    reason: None,
                }]
            }
        })
        .await;
        let outcomes = results.into_iter().map(|r| (r.unit, r.outcome)).collect();
        (outcomes, log.into_inner())
    }

    fn position(log: &Log, prefix: &str) -> usize {
        log.events
            .iter()
            .position(|event| event.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in {:?}", log.events))
    }

    #[tokio::test]
    async fn a_unit_starts_only_after_every_unit_it_depends_on_has_ended() {
        let plan = parse_with(DIAMOND).unwrap();
        let (outcomes, log) = schedule(&plan, &all(&plan), 0, &[]).await;
        assert_eq!(outcomes.len(), 5);
        assert!(outcomes.iter().all(|(_, o)| *o == Outcome::Succeeded));
        for (unit, dependency) in [
            ("api", "schema"),
            ("worker", "schema"),
            ("web", "api"),
            ("web", "worker"),
        ] {
            assert!(
                position(&log, &format!("end {dependency}"))
                    < position(&log, &format!("start {unit} ")),
                "{unit} started before {dependency} ended: {:?}",
                log.events
            );
        }
    }

    #[tokio::test]
    async fn units_that_do_not_depend_on_each_other_deploy_at_once_without_a_limit() {
        let plan = parse_with(DIAMOND).unwrap();
        let (_, log) = schedule(&plan, &all(&plan), 0, &[]).await;
        assert!(
            position(&log, "start docs") < position(&log, "end schema"),
            "{:?}",
            log.events
        );
        assert!(log.most_at_once >= 2, "{:?}", log.events);
    }

    #[tokio::test]
    async fn no_more_units_than_the_parallel_limit_deploy_at_once() {
        let body: String = (0..6)
            .map(|n| format!("[units.u{n}]\nplugin = \"site\"\n"))
            .collect();
        let plan = parse_with(&format!(
            "[plugins.site]\nsource = \"builtin:static-site\"\n{body}"
        ))
        .unwrap();
        for (parallel, most) in [(1, 1), (2, 2), (0, 6)] {
            let (outcomes, log) = schedule(&plan, &all(&plan), parallel, &[]).await;
            assert_eq!(outcomes.len(), 6);
            assert_eq!(
                log.most_at_once, most,
                "--parallel {parallel}: {:?}",
                log.events
            );
        }
    }

    #[tokio::test]
    async fn the_dependents_of_a_failed_unit_are_skipped_naming_it_and_the_others_go_on() {
        let plan = parse_with(DIAMOND).unwrap();
        let (outcomes, log) = schedule(&plan, &all(&plan), 0, &["schema"]).await;
        let outcome_of = |unit: &str| {
            outcomes
                .iter()
                .find(|(name, _)| name == unit)
                .map(|(_, outcome)| *outcome)
        };
        assert_eq!(outcome_of("schema"), Some(Outcome::Failed));
        assert_eq!(outcome_of("docs"), Some(Outcome::Succeeded));
        for unit in ["api", "worker"] {
            assert_eq!(outcome_of(unit), Some(Outcome::Skipped));
            position(&log, &format!("start {unit} [\"schema\"]"));
        }
        assert_eq!(outcome_of("web"), Some(Outcome::Skipped));
        position(&log, "start web [\"api\", \"worker\"]");
    }

    #[tokio::test]
    async fn only_the_selected_units_deploy_and_unselected_dependencies_do_not_hold_them() {
        let plan = parse_with(DIAMOND).unwrap();
        let selected = vec!["web".to_owned(), "api".to_owned()];
        let (outcomes, log) = schedule(&plan, &selected, 0, &[]).await;
        assert_eq!(
            outcomes,
            [
                ("api".to_owned(), Outcome::Succeeded),
                ("web".to_owned(), Outcome::Succeeded)
            ]
        );
        position(&log, "start api []");
        position(&log, "start web []");
    }
}
