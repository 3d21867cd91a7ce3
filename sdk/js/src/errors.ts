// Typed errors: each class is one case of the WIT `error` variant. Throw them from a lifecycle
// method; the SDK hands the host the variant, and turns anything else thrown into `failed`.

import type { Error as WitError } from "sluice:deploy/types@0.1.4";

/** A failure of a lifecycle call, carrying the WIT `error` case the host receives. */
export abstract class SluiceError extends Error {
  abstract readonly tag: WitError["tag"];

  /** The WIT value of this error. */
  get variant(): WitError {
    return { tag: this.tag, val: this.message };
  }

  /** The same kind of error, its message prefixed with what was being done. */
  context(doing: string): SluiceError {
    return errorOfTag(this.tag, `${doing}: ${this.message}`);
  }
}

/** The unit's config is wrong; retrying will not help. */
export class InvalidConfig extends SluiceError {
  readonly tag = "invalid-config";
}

/** A capability refused the request (not granted, or outside the grant). */
export class Denied extends SluiceError {
  readonly tag = "denied";
}

/** Something the plugin depends on is not reachable right now. */
export class Unavailable extends SluiceError {
  readonly tag = "unavailable";
}

/** Anything else went wrong. */
export class Failed extends SluiceError {
  readonly tag = "failed";
}

function errorOfTag(tag: WitError["tag"], message: string): SluiceError {
  switch (tag) {
    case "invalid-config":
      return new InvalidConfig(message);
    case "denied":
      return new Denied(message);
    case "unavailable":
      return new Unavailable(message);
    case "failed":
      return new Failed(message);
  }
}

const TAGS: ReadonlySet<string> = new Set(["invalid-config", "denied", "unavailable", "failed"]);

/**
 * Anything thrown, as a `SluiceError`: a typed error stays as it is, a capability's WIT error
 * (thrown by the bindings with the variant as `payload`) keeps its kind, anything else is
 * `failed` with its message. `doing` says what was being done.
 */
export function asSluiceError(thrown: unknown, doing?: string): SluiceError {
  let error: SluiceError;
  if (thrown instanceof SluiceError) {
    error = thrown;
  } else {
    const payload = (thrown as { payload?: unknown } | null)?.payload;
    const variant = payload as { tag?: unknown; val?: unknown } | undefined;
    if (variant && typeof variant.tag === "string" && TAGS.has(variant.tag)) {
      error = errorOfTag(variant.tag as WitError["tag"], String(variant.val));
    } else if (payload !== undefined) {
      error = new Failed(String(payload)); // a WASI error code such as `no-entry`
    } else {
      error = new Failed(thrown instanceof Error ? thrown.message : String(thrown));
    }
  }
  return doing === undefined ? error : error.context(doing);
}

/** Runs `action`; whatever it throws becomes a `SluiceError` saying what was being done. */
export function doing<T>(what: string, action: () => T): T {
  try {
    return action();
  } catch (thrown) {
    throw asSluiceError(thrown, what);
  }
}
