//! When each selected unit deploys: as soon as every unit it depends on (among the selected) has
//! finished, at most `parallel` at a time (0: no limit). A unit whose dependency did not deploy is
//! skipped at once, naming it; units that do not depend on a failure go on to the end.

use std::collections::BTreeMap;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::outcome::UnitResult;
use crate::plan::graph;
use crate::plan::model::{Plan, Unit};
use crate::state::Outcome;

/// Runs `deploy(unit, blocked)` for every unit in `selected`, where `blocked` names the unit's
/// dependencies that did not deploy (empty: go ahead); the results, in the order units finished.
pub(super) async fn run<'a, F, Fut>(
    plan: &'a Plan,
    selected: &[String],
    parallel: usize,
    deploy: F,
) -> Vec<UnitResult>
where
    F: Fn(&'a Unit, Vec<String>) -> Fut,
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
    let mut deployed: BTreeMap<&'a str, bool> = BTreeMap::new();
    let mut running = FuturesUnordered::new();
    let mut results = Vec::new();
    loop {
        let mut index = 0;
        while index < waiting.len() {
            let unit = waiting[index];
            let deps = selected_deps(unit);
            if !deps.iter().all(|dep| deployed.contains_key(dep.as_str())) {
                index += 1;
                continue;
            }
            let blocked: Vec<String> = deps
                .into_iter()
                .filter(|dep| !deployed[dep.as_str()])
                .cloned()
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
        let ok = unit_results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Succeeded | Outcome::Unchanged));
        deployed.insert(name, ok);
        results.extend(unit_results);
    }
    results
}
