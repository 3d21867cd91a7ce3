//! `make bench` for what watching a deployment costs: keeping its record in state (its events and
//! every host call of its plugins) and sending its trace over OTLP/HTTP to a live receiver. Each
//! workload is applied in turns three ways — with no record (`SLUICE_RECORD=off`), with the
//! record (the default), and with the record and `[telemetry] otlp` — and the medians and their
//! ratios to the first are printed. The workloads: 20 parallel units with 1 s gates (the
//! pipeline bench's), and the hostile-limits plugin's log flood (512 messages) and file hoarding
//! (open files until the host stops it, then a rollback). Asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::figures::{median, ms};
use support::otlp::OtlpReceiver;
use support::project::{ENV, Project, independent_units_plan, test_plugin_plan};
use support::sluice;

/// Applies each way of a workload of seconds this many times.
const ROUNDS: usize = 7;
/// Applies each way of a workload of milliseconds (the hostile-limits ones) this many times:
/// the noise of one apply is a larger share of its time.
const SHORT_ROUNDS: usize = 31;

/// How a workload is applied.
#[derive(Clone, Copy)]
enum Watch {
    Nothing,
    Record,
    RecordAndTrace,
}

const WAYS: [Watch; 3] = [Watch::Nothing, Watch::Record, Watch::RecordAndTrace];

impl Watch {
    fn title(self, spans: usize) -> String {
        match self {
            Watch::Nothing => "no record (SLUICE_RECORD=off)".into(),
            Watch::Record => "record in state (the default)".into(),
            Watch::RecordAndTrace => format!("record + OTLP export ({spans} spans)"),
        }
    }
}

/// A workload: a project whose plan is set, the exit code its apply ends with, and how many
/// times it is applied each way.
struct Workload {
    title: &'static str,
    project: Project,
    plan: String,
    code: i32,
    rounds: usize,
}

/// The wall time of one apply of `version` (every unit) of `workload`, watched `way`.
fn timed_apply(
    workload: &Workload,
    receiver: &OtlpReceiver,
    way: Watch,
    version: &str,
) -> Duration {
    let plan = match way {
        Watch::RecordAndTrace => format!(
            "{}\n[telemetry]\notlp = \"{}\"\n",
            workload.plan,
            receiver.base_url()
        ),
        Watch::Nothing | Watch::Record => workload.plan.clone(),
    };
    workload.project.write_plan(&plan);
    workload.project.write_site(version);
    let mut apply = sluice(workload.project.path());
    apply.args(["apply", "--env", ENV, "--version", version, "--all"]);
    if matches!(way, Watch::Nothing) {
        apply.env("SLUICE_RECORD", "off");
    }
    let started = Instant::now();
    let run: support::Run = apply.output().expect("sluice runs").into();
    let took = started.elapsed();
    assert_eq!(run.code, workload.code, "apply {version}: {}", run.all());
    took
}

/// Prints the medians of applying `workload` each way, in turns.
fn overhead(workload: &Workload) {
    let receiver = OtlpReceiver::start();
    timed_apply(workload, &receiver, Watch::Record, "warm-up");
    let mut samples = [Vec::new(), Vec::new(), Vec::new()];
    // The order rotates each round, so that no way gains from going first.
    for round in 0..workload.rounds {
        for turn in 0..WAYS.len() {
            let way = (round + turn) % WAYS.len();
            let version = format!("r{round}w{way}");
            samples[way].push(timed_apply(workload, &receiver, WAYS[way], &version));
        }
    }
    let spans = receiver.spans().len() / workload.rounds;
    let medians = samples.map(median);
    println!("{}, median of {}", workload.title, workload.rounds);
    for (way, took) in WAYS.iter().zip(medians) {
        let ratio = took.as_secs_f64() / medians[0].as_secs_f64();
        println!("  {:<40}{:>14}  {ratio:.3}x", way.title(spans), ms(took));
    }
}

/// A plan whose one unit runs the hostile-limits plugin's log flood, with no gates.
fn flood_plan() -> String {
    let wasm = support::test_plugin("hostile-limits");
    format!(
        "[project]\nname = \"t\"\n[environments.{ENV}]\n[plugins.flood]\nsource = {:?}\n\
         sha256 = \"{}\"\n[units.app]\nplugin = \"flood\"\nconfig = {{ attack = \"log-flood\" }}\n",
        wasm.display().to_string(),
        support::sha256_file(&wasm)
    )
}

fn main() {
    let parallel = Project::new();
    let hoarding = Project::v1_live_then("hostile-limits", "", "");
    let workloads = [
        Workload {
            title: "20 parallel units, each with a 1s gate",
            project: parallel,
            plan: independent_units_plan(20, Some(Duration::from_secs(1))),
            code: 0,
            rounds: ROUNDS,
        },
        Workload {
            title: "hostile-limits: a flood of 512 log messages",
            project: Project::new(),
            plan: flood_plan(),
            code: 0,
            rounds: SHORT_ROUNDS,
        },
        Workload {
            title: "hostile-limits: files opened until stopped, then a rollback",
            project: hoarding,
            plan: test_plugin_plan(
                "hostile-limits",
                "[plugins.bad.grants]\nfiles = [{ path = \"site\", at = \"/site\" }]",
                "attack = \"hoard-files\", args = [\"/site/index.html\"]",
            ),
            code: support::EXIT_ROLLED_BACK,
            rounds: SHORT_ROUNDS,
        },
    ];
    println!("(the noise of a loaded machine can exceed the differences)");
    for workload in &workloads {
        overhead(workload);
    }
}
