//! When to try an API call again, and how long to wait first: wrangler's rules, as pure
//! bookkeeping so they can be tested without a network. Waits are in units of the configured
//! `retry_delay_ms` (1 s by default, as in wrangler).

/// What a failed attempt means for retrying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 524: the gateway timed out (wrangler then drops to one upload stream).
    Gateway,
    /// Code 8000013: the upload token is bad or expired; a new one is fetched.
    TokenRejected,
    /// Code 8000000: an unknown error (the only one deployment creation retries).
    Unknown,
    /// The capability refused the request: retrying cannot help.
    Denied,
    /// Anything else: another status or code, a connection failure, a malformed answer.
    Other,
}

/// The API call being retried; each has its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `POST /pages/assets/check-missing`: 5 retries, waits 1, 2, 4, 8, 16.
    CheckMissing,
    /// `POST /pages/assets/upload` (one bucket): 5 counted retries, waits 2^n; a rejected token
    /// is refetched without counting; gateway timeouts wait 5 * 2^g more and count only from
    /// the fifth.
    Upload,
    /// `POST /pages/assets/upsert-hashes`: one retry after 1.
    UpsertHashes,
    /// `POST .../deployments`: 3 attempts, only for code 8000000.
    CreateDeployment,
}

/// Retries counted before giving up, per call.
const CHECK_MISSING_RETRIES: u32 = 5;
const UPLOAD_RETRIES: u32 = 5;
const UPSERT_RETRIES: u32 = 1;
const CREATE_RETRIES: u32 = 2;
/// Gateway timeouts of one bucket that do not count as attempts.
const FREE_GATEWAY_ERRORS: u32 = 4;
/// Token refreshes of one call (wrangler has no cap: a server that rejects every token would
/// keep it busy forever).
const MAX_TOKEN_REFRESHES: u32 = 5;

/// What to do before the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// How long to wait, in retry-delay units.
    pub wait_units: u64,
    /// Fetch a new upload token first.
    pub refresh_token: bool,
    /// Upload one bucket at a time from now on.
    pub one_stream: bool,
}

/// The retry bookkeeping of one call.
#[derive(Debug, Clone)]
pub struct Retries {
    call: Call,
    attempts: u32,
    gateway_errors: u32,
    refreshes: u32,
}

impl Retries {
    /// Fresh bookkeeping for `call`.
    pub fn new(call: Call) -> Retries {
        Retries {
            call,
            attempts: 0,
            gateway_errors: 0,
            refreshes: 0,
        }
    }

    /// What to do after an attempt failed with `failure`, while the token has `token_expired`;
    /// none when the call should give up.
    pub fn after(&mut self, failure: Failure, token_expired: bool) -> Option<Retry> {
        if failure == Failure::Denied {
            return None;
        }
        let wants_token = failure == Failure::TokenRejected || token_expired;
        match self.call {
            Call::CreateDeployment if failure != Failure::Unknown => None,
            Call::Upload => self.after_upload_failure(failure, wants_token),
            _ => {
                let limit = match self.call {
                    Call::CheckMissing => CHECK_MISSING_RETRIES,
                    Call::UpsertHashes => UPSERT_RETRIES,
                    _ => CREATE_RETRIES,
                };
                if self.attempts >= limit {
                    return None;
                }
                let wait_units = match self.call {
                    Call::UpsertHashes => 1,
                    _ => 1 << self.attempts,
                };
                self.attempts += 1;
                Some(Retry {
                    wait_units,
                    refresh_token: wants_token && self.call != Call::CreateDeployment,
                    one_stream: false,
                })
            }
        }
    }

    fn after_upload_failure(&mut self, failure: Failure, wants_token: bool) -> Option<Retry> {
        if self.attempts >= UPLOAD_RETRIES {
            return None;
        }
        let mut retry = Retry {
            wait_units: 1 << self.attempts,
            refresh_token: false,
            one_stream: false,
        };
        if failure == Failure::Gateway {
            retry.wait_units += 5 << self.gateway_errors.min(16);
            retry.one_stream = true;
            self.gateway_errors += 1;
            if self.gateway_errors > FREE_GATEWAY_ERRORS {
                self.attempts += 1;
            }
        } else if wants_token && self.refreshes < MAX_TOKEN_REFRESHES {
            retry.refresh_token = true;
            self.refreshes += 1;
        } else {
            self.attempts += 1;
        }
        Some(retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The waits until `call` gives up when every attempt fails with `failure`.
    fn waits(call: Call, failure: Failure) -> Vec<u64> {
        waits_from(&mut Retries::new(call), failure)
    }

    /// The waits until `retries` gives up when every further attempt fails with `failure`.
    fn waits_from(retries: &mut Retries, failure: Failure) -> Vec<u64> {
        std::iter::from_fn(|| retries.after(failure, false).map(|r| r.wait_units)).collect()
    }

    #[test]
    fn check_missing_retries_five_times_doubling_the_wait() {
        assert_eq!(waits(Call::CheckMissing, Failure::Other), [1, 2, 4, 8, 16]);
    }

    #[test]
    fn an_upload_gives_up_after_five_counted_retries() {
        assert_eq!(waits(Call::Upload, Failure::Other), [1, 2, 4, 8, 16]);
    }

    #[test]
    fn gateway_timeouts_wait_longer_drop_to_one_stream_and_count_from_the_fifth() {
        let mut retries = Retries::new(Call::Upload);
        let first = retries.after(Failure::Gateway, false).unwrap();
        assert_eq!((first.wait_units, first.one_stream), (1 + 5, true));
        let second = retries.after(Failure::Gateway, false).unwrap();
        assert_eq!(second.wait_units, 1 + 10);
        let rest = std::iter::from_fn(|| retries.after(Failure::Gateway, false)).count();
        assert_eq!(
            2 + rest,
            FREE_GATEWAY_ERRORS as usize + UPLOAD_RETRIES as usize
        );
    }

    #[test]
    fn a_rejected_token_is_refetched_without_counting_an_attempt() {
        let mut retries = Retries::new(Call::Upload);
        let retry = retries.after(Failure::TokenRejected, false).unwrap();
        assert!(retry.refresh_token && retry.wait_units == 1);
        assert_eq!(waits_from(&mut retries, Failure::Other), [1, 2, 4, 8, 16]);
    }

    #[test]
    fn an_expired_token_is_refetched_whatever_the_failure() {
        let mut retries = Retries::new(Call::CheckMissing);
        assert!(retries.after(Failure::Other, true).unwrap().refresh_token);
    }

    #[test]
    fn token_refreshes_are_capped_then_counted() {
        let mut retries = Retries::new(Call::Upload);
        let refreshes = std::iter::from_fn(|| retries.after(Failure::TokenRejected, false))
            .filter(|r| r.refresh_token)
            .count();
        assert_eq!(refreshes, MAX_TOKEN_REFRESHES as usize);
    }

    #[test]
    fn upsert_hashes_is_retried_once() {
        assert_eq!(waits(Call::UpsertHashes, Failure::Other), [1]);
    }

    #[test]
    fn deployment_creation_is_retried_only_for_the_unknown_error() {
        assert_eq!(waits(Call::CreateDeployment, Failure::Unknown), [1, 2]);
        assert!(waits(Call::CreateDeployment, Failure::Other).is_empty());
        assert!(waits(Call::CreateDeployment, Failure::TokenRejected).is_empty());
    }

    #[test]
    fn a_denied_request_is_never_retried() {
        for call in [Call::CheckMissing, Call::Upload, Call::UpsertHashes] {
            assert!(waits(call, Failure::Denied).is_empty(), "{call:?}");
        }
    }
}
