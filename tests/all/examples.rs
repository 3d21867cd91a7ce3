//! Every plan under `examples/` is valid as shipped: `sluice validate` (the plan, its plugins'
//! grants and every unit's config against its plugin) passes without any service running, and
//! without creating state.

use std::path::Path;

use crate::support::{EXIT_SUCCESS, Run, sluice};

#[test]
fn every_example_plan_validates_without_services_or_state() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(&examples).unwrap() {
        let dir = entry.unwrap().path();
        let plan = dir.join("sluice.toml");
        if !plan.is_file() {
            continue;
        }
        let state = dir.join(".sluice/state.db");
        let existed = state.exists();
        let run: Run = sluice(&dir).arg("validate").output().unwrap().into();
        assert_eq!(run.code, EXIT_SUCCESS, "{}: {}", plan.display(), run.all());
        assert_eq!(
            state.exists(),
            existed,
            "validate created {}",
            state.display()
        );
        checked.push(dir.file_name().unwrap().to_string_lossy().into_owned());
    }
    checked.sort();
    assert!(
        checked.len() >= 3 && checked.contains(&"release-pipeline".to_owned()),
        "{checked:?}"
    );
}
