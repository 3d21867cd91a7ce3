//! Whether a service has converged on a release: what Swarm's update status and the service's
//! tasks say, read without touching anything.

use crate::state::Release;
use sluice_sdk::services::{ServiceInfo, TaskInfo, TaskState, UpdateState};

/// Which way the service is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// To a new spec (`update`, `create`): a rollback by Swarm is a failure.
    Update,
    /// Back to the previous spec (Swarm's rollback).
    Rollback,
}

/// Where a service stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Every task runs the release, and no other task runs.
    Converged,
    /// Still going; says what is awaited.
    Waiting(String),
    /// It will not get there by itself; says why.
    Failed(String),
}

/// Where `info` (with its `tasks`) stands on the way to `replicas` tasks running `want`.
pub fn progress(
    info: &ServiceInfo,
    tasks: &[TaskInfo],
    want: &Release,
    replicas: u32,
    direction: Direction,
) -> Progress {
    let mut swarm_says = None;
    if let Some(status) = &info.update_status {
        let message = &status.message;
        match (status.state, direction) {
            (UpdateState::Paused | UpdateState::RollbackPaused, _) => {
                return Progress::Failed(format!("Swarm paused the rollout: {message}"));
            }
            (UpdateState::RollbackStarted | UpdateState::RollbackCompleted, Direction::Update) => {
                return Progress::Failed(format!("Swarm rolled the update back: {message}"));
            }
            (UpdateState::Updating | UpdateState::RollbackStarted, _) => swarm_says = Some(message),
            (UpdateState::Completed | UpdateState::RollbackCompleted, _) => {}
        }
    }
    if info.image_id != want.image_id {
        return Progress::Failed(format!(
            "the service's spec runs {} now, not {}",
            shown(&info.image, &info.image_id),
            want.image
        ));
    }
    let running = |task: &&TaskInfo| task.state == TaskState::Running;
    let new = tasks
        .iter()
        .filter(running)
        .filter(|task| task.desired_running && task.image_id == want.image_id)
        .count();
    let old = tasks
        .iter()
        .filter(running)
        .filter(|task| task.image_id != want.image_id)
        .count();
    if new >= replicas as usize && old == 0 && swarm_says.is_none() {
        return Progress::Converged;
    }
    let mut what = format!(
        "{new} of {replicas} tasks run {}, {old} other tasks still run",
        want.image
    );
    if let Some(problem) = tasks
        .iter()
        .find(|task| task.desired_running && !task.error.is_empty())
    {
        what.push_str(&format!(
            "; task {} is {}: {}",
            problem.slot,
            state_word(problem.state),
            problem.error
        ));
    }
    if let Some(message) = swarm_says {
        what.push_str(&format!("; Swarm says: {message}"));
    }
    Progress::Waiting(what)
}

/// An image as people know it: its reference, or its id when the host did not write it.
fn shown<'a>(image: &'a str, id: &'a str) -> &'a str {
    if image.is_empty() { id } else { image }
}

fn state_word(state: TaskState) -> &'static str {
    match state {
        TaskState::New => "new",
        TaskState::Allocated => "allocated",
        TaskState::Pending => "pending",
        TaskState::Assigned => "assigned",
        TaskState::Accepted => "accepted",
        TaskState::Preparing => "preparing",
        TaskState::Ready => "ready",
        TaskState::Starting => "starting",
        TaskState::Running => "running",
        TaskState::Complete => "complete",
        TaskState::Shutdown => "shut down",
        TaskState::Failed => "failed",
        TaskState::Rejected => "rejected",
        TaskState::Remove => "being removed",
        TaskState::Orphaned => "orphaned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_sdk::services::UpdateStatus;

    fn release(id: &str) -> Release {
        Release {
            image: format!("web:{id}"),
            image_id: format!("sha256:{id}"),
        }
    }

    fn service(id: &str, status: Option<(UpdateState, &str)>) -> ServiceInfo {
        ServiceInfo {
            id: "s1".into(),
            name: "web-api".into(),
            image: format!("web:{id}"),
            image_id: format!("sha256:{id}"),
            replicas: 1,
            ports: Vec::new(),
            labels: Vec::new(),
            update_status: status.map(|(state, message)| UpdateStatus {
                state,
                message: message.into(),
            }),
        }
    }

    fn task(id: &str, state: TaskState, desired_running: bool, error: &str) -> TaskInfo {
        TaskInfo {
            id: format!("t-{id}"),
            slot: 1,
            image_id: format!("sha256:{id}"),
            state,
            desired_running,
            message: String::new(),
            error: error.into(),
        }
    }

    #[test]
    fn an_update_converges_once_the_new_task_runs_and_the_old_one_stopped() {
        let info = service("v2", Some((UpdateState::Completed, "update completed")));
        let both = [
            task("v2", TaskState::Running, true, ""),
            task("v1", TaskState::Running, false, ""),
        ];
        let want = release("v2");
        assert!(matches!(
            progress(&info, &both, &want, 1, Direction::Update),
            Progress::Waiting(w) if w == "1 of 1 tasks run web:v2, 1 other tasks still run"
        ));
        let done = [
            task("v2", TaskState::Running, true, ""),
            task("v1", TaskState::Shutdown, false, ""),
        ];
        assert_eq!(
            progress(&info, &done, &want, 1, Direction::Update),
            Progress::Converged
        );
    }

    #[test]
    fn swarm_rolling_an_update_back_or_pausing_fails_it_at_once() {
        let rolled = service(
            "v1",
            Some((UpdateState::RollbackStarted, "update rolled back")),
        );
        assert_eq!(
            progress(&rolled, &[], &release("v2"), 1, Direction::Update),
            Progress::Failed("Swarm rolled the update back: update rolled back".into())
        );
        let paused = service("v2", Some((UpdateState::Paused, "task failed")));
        assert!(matches!(
            progress(&paused, &[], &release("v2"), 1, Direction::Rollback),
            Progress::Failed(m) if m.contains("paused")
        ));
    }

    #[test]
    fn a_rollback_waits_while_swarm_rolls_back_and_converges_on_the_old_release() {
        let want = release("v1");
        let rolling = service(
            "v1",
            Some((UpdateState::RollbackStarted, "manually requested")),
        );
        assert!(matches!(
            progress(&rolling, &[], &want, 1, Direction::Rollback),
            Progress::Waiting(_)
        ));
        let done = service(
            "v1",
            Some((UpdateState::RollbackCompleted, "rollback completed")),
        );
        let tasks = [task("v1", TaskState::Running, true, "")];
        assert_eq!(
            progress(&done, &tasks, &want, 1, Direction::Rollback),
            Progress::Converged
        );
    }

    #[test]
    fn a_task_that_cannot_be_placed_is_named_in_what_is_awaited() {
        let info = service("v2", None);
        let tasks = [
            task(
                "v2",
                TaskState::Pending,
                true,
                "no suitable node (host-mode port already in use on 1 node)",
            ),
            task("v1", TaskState::Running, true, ""),
        ];
        assert!(matches!(
            progress(&info, &tasks, &release("v2"), 1, Direction::Update),
            Progress::Waiting(w) if w.ends_with("task 1 is pending: no suitable node (host-mode port already in use on 1 node)")
        ));
    }
}
