//! Approvals bound to the plan. An environment with `approval = true` deploys only a plan written
//! by `sluice plan --out` and approved by hash (`sluice approve HASH`), and only while resolving
//! it again gives the same hash: a changed plan file, plugin, config, live version or planned
//! change voids the approval. Any environment can apply a plan file; without the rule, the file
//! only has to still match.

use super::deployment::Approved;
use super::error::OrchestrateError;
use super::resolved::{PlanDocument, resolve};
use super::setup::Deployer;

/// Whether applying `version` to `selected` may go ahead, given the plan `document` the run
/// carries out (if any); the approval it carries out, if the environment needs one.
pub async fn authorize(
    d: &Deployer,
    document: Option<&PlanDocument>,
    version: &str,
    selected: &[String],
) -> Result<Option<Approved>, OrchestrateError> {
    let environment = &d.environment;
    let needs_approval = d
        .plan
        .environments
        .get(environment)
        .is_some_and(|e| e.approval);
    let Some(document) = document else {
        if needs_approval {
            return Err(OrchestrateError::AwaitingApproval(format!(
                "`{environment}` deploys only an approved plan: run `sluice plan --env {environment} \
                 --version {version} --out plan.json`, have its hash approved (`sluice approve HASH`), \
                 then `sluice apply plan.json`"
            )));
        }
        return Ok(None);
    };
    let now = resolve(d, version, selected).await?;
    let hash = now.hash();
    if hash != document.hash {
        let why = now.differences(&document.plan).join("; ");
        let message = format!(
            "the plan {} no longer matches what apply would do ({why}): write it again with \
             `sluice plan --env {environment} --version {version} --out FILE`{}",
            document.hash,
            if needs_approval {
                " and have the new hash approved"
            } else {
                ""
            }
        );
        return Err(if needs_approval {
            OrchestrateError::AwaitingApproval(message)
        } else {
            OrchestrateError::Invalid(message)
        });
    }
    if !needs_approval {
        return Ok(None);
    }
    let approved_by = d
        .store
        .saved_plan(&hash)?
        .and_then(|saved| saved.approved_by);
    match approved_by {
        Some(by) => Ok(Some(Approved {
            plan_hash: hash,
            by,
        })),
        None => Err(OrchestrateError::AwaitingApproval(format!(
            "plan {hash} for `{environment}` is not approved yet: `sluice approve {hash}`"
        ))),
    }
}
