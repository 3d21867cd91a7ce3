// The sluice SDK for TypeScript and JavaScript: extend `Strategy`, implement the calls your
// strategy needs, and export it with `export const strategy = exportStrategy(new MyStrategy())`.
// `sdk/js/build.mjs` turns that module into a component (see docs/writing-a-plugin.md).

import type {
  Change,
  Context,
  Diagnostic,
  PluginInfo,
  Staged,
} from "sluice:deploy/types@0.1.4";
import { asSluiceError, InvalidConfig } from "./errors.js";

export type { Change, Context, Diagnostic, PluginInfo, Staged };
export type { ChangeAction, Feature } from "sluice:deploy/types@0.1.4";
export { asSluiceError, Denied, doing, Failed, InvalidConfig, SluiceError, Unavailable } from "./errors.js";
export * as log from "./log.js";
export { parseState, toState } from "./state.js";

/** A value or a promise of it: every lifecycle method may be `async` (for `fetch`, later). */
type Maybe<T> = T | Promise<T>;

/**
 * A strategy. `Config` is the unit's config as your code uses it: `parseConfig` builds it once
 * per call from the config JSON (override it to check or fill defaults; throw `InvalidConfig`).
 * Only `info`, `prepare`, `stage`, `finalize` and `rollback` are required.
 */
export abstract class Strategy<Config = unknown> {
  /** Name, version, description, the config's JSON Schema, and the optional features. */
  abstract info(): PluginInfo;

  /** The config JSON as `Config`. The default parses the JSON and trusts the schema. */
  parseConfig(json: string): Config {
    try {
      return JSON.parse(json) as Config;
    } catch (thrown) {
      throw new InvalidConfig(`the config is not JSON: ${(thrown as Error).message}`);
    }
  }

  /** Problems beyond what the JSON Schema can say, each at its dotted path; default none. */
  validate(_config: Config): Diagnostic[] {
    return [];
  }

  /** What a deployment would change; default one `update` of the unit. */
  plan(ctx: Context, _config: Config, _current?: string): Maybe<Change[]> {
    return [{ action: "update", resource: ctx.unit, detail: `-> ${ctx.version}` }];
  }

  /** Takes what `rollback` will need; returns the snapshot. */
  abstract prepare(ctx: Context, config: Config, current?: string): Maybe<string>;

  /** Puts the new version beside the old one (or in place). */
  abstract stage(ctx: Context, config: Config, current?: string): Maybe<Staged>;

  /** Sends `percent` of the traffic to the staged version; default nothing (in place). */
  shift(_ctx: Context, _config: Config, _staged: string, _percent: number): Maybe<void> {}

  /** Retires the old version; returns the new `current` state. */
  abstract finalize(ctx: Context, config: Config, staged: string): Maybe<string>;

  /** Makes `current` live again and removes what `staged` put in place; safe to repeat. */
  abstract rollback(
    ctx: Context,
    config: Config,
    staged?: string,
    snapshot?: string,
    current?: string,
  ): Maybe<void>;
}

/** Thrown to the bindings: they hand the host its own `payload` as the call's `err`. */
class Refusal extends Error {
  constructor(readonly payload: unknown) {
    super("the lifecycle call failed");
  }
}

/** Runs one lifecycle call with the config parsed once; any failure becomes a WIT `error`. */
async function call<Config, T>(
  strategy: Strategy<Config>,
  json: string,
  body: (config: Config) => Maybe<T>,
): Promise<T> {
  try {
    return await body(strategy.parseConfig(json));
  } catch (thrown) {
    throw new Refusal(asSluiceError(thrown).variant);
  }
}

/** The `strategy` export for the component: `export const strategy = exportStrategy(new S())`. */
export function exportStrategy<Config>(strategy: Strategy<Config>) {
  return {
    info: (): PluginInfo => strategy.info(),
    validate(json: string): void {
      let problems: Diagnostic[];
      try {
        problems = strategy.validate(strategy.parseConfig(json));
      } catch (thrown) {
        problems = [{ path: "", message: asSluiceError(thrown).message }];
      }
      if (problems.length > 0) throw new Refusal(problems);
    },
    plan: (ctx: Context, json: string, current?: string) =>
      call(strategy, json, (config) => strategy.plan(ctx, config, current)),
    prepare: (ctx: Context, json: string, current?: string) =>
      call(strategy, json, (config) => strategy.prepare(ctx, config, current)),
    stage: (ctx: Context, json: string, current?: string) =>
      call(strategy, json, (config) => strategy.stage(ctx, config, current)),
    shift: (ctx: Context, json: string, staged: string, percent: number) =>
      call(strategy, json, (config) => strategy.shift(ctx, config, staged, percent)),
    finalize: (ctx: Context, json: string, staged: string) =>
      call(strategy, json, (config) => strategy.finalize(ctx, config, staged)),
    rollback: (ctx: Context, json: string, staged?: string, snapshot?: string, current?: string) =>
      call(strategy, json, (config) => strategy.rollback(ctx, config, staged, snapshot, current)),
  };
}
