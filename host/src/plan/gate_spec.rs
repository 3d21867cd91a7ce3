//! One entry of a unit's `gates`: what it probes, when, and its timing (with defaults).

use serde_spanned::Spanned;

use super::convert::Converter;
use super::error::PlanError;
use super::model::{GateCheck, GatePhase, GateSpec, GateTiming};
use super::raw::{RawGate, RawPhase};

/// Converts one gate table.
pub(super) fn gate(cx: &Converter<'_>, raw: &Spanned<RawGate>) -> Result<GateSpec, PlanError> {
    let spec = raw.get_ref();
    let check = check(cx, raw)?;
    let probed = match &check {
        GateCheck::Http { url, .. } => url,
        GateCheck::Tcp { address } => address,
    };
    let phase = match spec.phase {
        Some(RawPhase::Staged) => GatePhase::Staged,
        Some(RawPhase::Live) => GatePhase::Live,
        None if probed.contains("${staged.") => GatePhase::Staged,
        None => GatePhase::Live,
    };
    Ok(GateSpec {
        check,
        phase,
        timing: timing(cx, spec)?,
    })
}

fn check(cx: &Converter<'_>, raw: &Spanned<RawGate>) -> Result<GateCheck, PlanError> {
    let spec = raw.get_ref();
    match (&spec.http, &spec.tcp) {
        (Some(url), None) => {
            let status = match &spec.status {
                Some(status) if !(100..=599).contains(status.get_ref()) => {
                    return Err(cx.error_at_span(
                        status.span(),
                        format!("invalid status {}: expected an HTTP status from 100 to 599", status.get_ref()),
                    ));
                }
                Some(status) => *status.get_ref(),
                None => 200,
            };
            Ok(GateCheck::Http {
                url: url.get_ref().clone(),
                status,
                body: spec.body.as_ref().map(|body| body.get_ref().clone()),
            })
        }
        (None, Some(address)) => {
            let http_only = spec.status.as_ref().map(Spanned::span).or_else(|| spec.body.as_ref().map(Spanned::span));
            if let Some(span) = http_only {
                return Err(cx.error_at_span(span, "`status` and `body` apply to http gates only: remove it from this tcp gate"));
            }
            Ok(GateCheck::Tcp {
                address: address.get_ref().clone(),
            })
        }
        _ => Err(cx.error_at_span(
            raw.span(),
            "a gate needs exactly one probe: expected `http = \"URL\"` or `tcp = \"HOST:PORT\"`",
        )),
    }
}

fn timing(cx: &Converter<'_>, spec: &RawGate) -> Result<GateTiming, PlanError> {
    let defaults = GateTiming::default();
    Ok(GateTiming {
        interval: cx.duration(spec.interval.as_ref(), defaults.interval)?,
        timeout: cx.duration(spec.timeout.as_ref(), defaults.timeout)?,
        initial_delay: cx.duration(spec.initial_delay.as_ref(), defaults.initial_delay)?,
        success_threshold: threshold(cx, spec.success_threshold.as_ref(), defaults.success_threshold)?,
        failure_threshold: threshold(cx, spec.failure_threshold.as_ref(), defaults.failure_threshold)?,
        deadline: cx.duration(spec.deadline.as_ref(), defaults.deadline)?,
        soak: cx.duration(spec.soak.as_ref(), defaults.soak)?,
    })
}

fn threshold(cx: &Converter<'_>, raw: Option<&Spanned<u32>>, default: u32) -> Result<u32, PlanError> {
    match raw {
        None => Ok(default),
        Some(count) if *count.get_ref() >= 1 => Ok(*count.get_ref()),
        Some(count) => Err(cx.error_at_span(count.span(), "invalid threshold 0: expected at least 1")),
    }
}
