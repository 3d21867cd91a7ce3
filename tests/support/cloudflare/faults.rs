//! Faults the tests ask for, applied deterministically: counted per request, in order.

use std::time::Duration;

/// An API endpoint, as faults and counters name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// `GET /accounts/A/pages/projects/P`
    Project,
    /// `GET .../upload-token`
    UploadToken,
    /// `POST /pages/assets/check-missing`
    CheckMissing,
    /// `POST /pages/assets/upload`
    Upload,
    /// `POST /pages/assets/upsert-hashes`
    UpsertHashes,
    /// `POST .../deployments`
    CreateDeployment,
    /// `GET .../deployments`
    ListDeployments,
    /// `GET .../deployments/ID`
    GetDeployment,
    /// `DELETE .../deployments/ID`
    DeleteDeployment,
    /// `POST .../deployments/ID/rollback`
    Rollback,
    /// `GET .../deployments/ID/history/logs`
    Logs,
    /// Any Workers path (`.../workers/...`).
    Workers,
    /// Any other API path.
    Unknown,
}

/// Something to go wrong.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The `nth` `upload` request from now (1 = the next) revokes every upload token issued so
    /// far, so it (and any other upload in flight) is answered 8000013 and the client must fetch
    /// a new token.
    RevokeTokensOnUpload { nth: usize },
    /// The next `count` requests to `endpoint` are answered HTTP 524 with an HTML page, as
    /// Cloudflare's edge answers when the origin times out.
    GatewayTimeouts { endpoint: Endpoint, count: usize },
    /// Requests to `endpoint` are answered HTTP 500 with code 8000000: the next `count` of them,
    /// or all of them when `count` is none.
    ServerErrors {
        endpoint: Endpoint,
        count: Option<usize>,
    },
    /// Requests to `endpoint` are answered only after `delay`.
    Slow { endpoint: Endpoint, delay: Duration },
    /// Deployments created from now on fail their deploy stage; `message` is their last log line.
    FailingDeployStage { message: String },
    /// Requests to `endpoint` are answered with a 307 redirect to `location`.
    Redirect {
        endpoint: Endpoint,
        location: String,
    },
}

/// What a fault does to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reaction {
    GatewayTimeout,
    ServerError,
    Redirect(String),
}

/// What to do with one request.
#[derive(Debug, Default)]
pub struct Decision {
    pub delay: Duration,
    pub revoke_tokens: bool,
    pub reaction: Option<Reaction>,
}

/// The faults in force, each with how many requests it has seen.
#[derive(Debug, Default)]
pub struct Faults {
    list: Vec<(Fault, usize)>,
}

impl Faults {
    pub fn add(&mut self, fault: Fault) {
        self.list.push((fault, 0));
    }

    /// What the faults do to a request to `endpoint`; the first reaction wins.
    pub fn decide(&mut self, endpoint: Endpoint) -> Decision {
        let mut decision = Decision::default();
        for (fault, seen) in &mut self.list {
            let react = |decision: &mut Decision, reaction| {
                decision.reaction.get_or_insert(reaction);
            };
            match fault {
                Fault::RevokeTokensOnUpload { nth } if endpoint == Endpoint::Upload => {
                    *seen += 1;
                    decision.revoke_tokens |= *seen == *nth;
                }
                Fault::GatewayTimeouts { endpoint: e, count }
                    if *e == endpoint && *seen < *count =>
                {
                    *seen += 1;
                    react(&mut decision, Reaction::GatewayTimeout);
                }
                Fault::ServerErrors { endpoint: e, count }
                    if *e == endpoint && count.is_none_or(|count| *seen < count) =>
                {
                    *seen += 1;
                    react(&mut decision, Reaction::ServerError);
                }
                Fault::Slow { endpoint: e, delay } if *e == endpoint => {
                    decision.delay = decision.delay.max(*delay);
                }
                Fault::Redirect {
                    endpoint: e,
                    location,
                } if *e == endpoint => {
                    react(&mut decision, Reaction::Redirect(location.clone()));
                }
                _ => {}
            }
        }
        decision
    }

    /// The failure message new deployments get, if their deploy stage is to fail.
    pub fn deploy_failure(&self) -> Option<String> {
        self.list.iter().find_map(|(fault, _)| match fault {
            Fault::FailingDeployStage { message } => Some(message.clone()),
            _ => None,
        })
    }
}
