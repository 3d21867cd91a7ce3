// release-dir-ts: publishes a directory as an atomic release, in TypeScript.
//
// Under the unit's `target` it keeps `releases/<version>/` directories and a relative `current`
// symlink to the live one. `stage` copies `source` into a new release, `shift(100)` renames a
// new link over `current`, `finalize` prunes releases beyond `keep`, and `rollback` points
// `current` back. The filesystem is the source of truth: the live release is read from the
// `current` link. It is granted `source` read-only and `target` read-write, and imports `log`.

import {
  type Change,
  type Context,
  type Diagnostic,
  Failed,
  InvalidConfig,
  type PluginInfo,
  type Staged,
  Strategy,
  exportStrategy,
  log,
  parseState,
  toState,
} from "@sluice/sdk";
import { type Config, SCHEMA, problems, releaseUrl, withDefaults } from "./config.ts";
import { Releases, checkVersion, releaseName } from "./releases.ts";

/** What `prepare` returns: the release live before the deployment, if any. */
interface Snapshot {
  release?: string;
}

/** One release: the staged state, and the `current` state once finalized. */
interface ReleaseState {
  release: string;
  version: string;
  previous?: string;
}

class ReleaseDir extends Strategy<Config> {
  info(): PluginInfo {
    return {
      name: "release-dir-ts",
      version: "0.1.0",
      description: "Publishes a directory as an atomic release: copies it to releases/<version> and swaps a `current` symlink by rename.",
      configSchema: JSON.stringify(SCHEMA),
      features: ["rollback", "plan"],
    };
  }

  parseConfig(json: string): Config {
    return withDefaults(super.parseConfig(json));
  }

  validate(config: Config): Diagnostic[] {
    return problems(config);
  }

  plan(ctx: Context, config: Config): Change[] {
    const live = new Releases(config.target).live();
    const action = live === undefined ? "create" : live === ctx.version ? "no-op" : "update";
    return [{ action, resource: `${config.target}/current`, detail: `${live ?? "nothing"} -> ${ctx.version}` }];
  }

  prepare(_ctx: Context, config: Config): string {
    const snapshot: Snapshot = { release: new Releases(config.target).live() };
    return toState(snapshot);
  }

  stage(ctx: Context, config: Config): Staged {
    const unfit = checkVersion(ctx.version);
    if (unfit) throw new InvalidConfig(`version ${JSON.stringify(ctx.version)} cannot name a release directory: ${unfit}`);
    const releases = new Releases(config.target);
    releases.clearLeftovers();
    const previous = releases.live();
    const name = releaseName(ctx.version, (taken) => releases.exists(taken));
    const copied = releases.install(config.source, name, ctx.deploymentId);
    const summary = `staged releases/${name}: ${copied.files} files, ${copied.bytes} bytes`;
    log.info(summary);
    const state: ReleaseState = { release: name, version: ctx.version, previous };
    const url = releaseUrl(config, name);
    return { state: toState(state), endpoints: url ? [url] : [], summary };
  }

  shift(ctx: Context, config: Config, staged: string, percent: number): void {
    if (percent < 100) {
      log.debug(`release-dir-ts cannot split traffic: ${percent}% changes nothing`);
      return;
    }
    const { release } = parseState<ReleaseState>("staged state", staged);
    const releases = new Releases(config.target);
    releases.require(release, "cut over");
    releases.pointCurrentAt(release, ctx.deploymentId);
    log.info(`current -> releases/${release}`);
  }

  finalize(_ctx: Context, config: Config, staged: string): string {
    const state = parseState<ReleaseState>("staged state", staged);
    const releases = new Releases(config.target);
    const live = releases.live();
    if (live !== state.release) {
      throw new Failed(`current points at ${live ?? "nothing"}, not at the staged release ${state.release}`);
    }
    const pruned = releases.prune(config.keep, [state.release]);
    if (pruned.length > 0) log.info(`pruned releases beyond keep = ${config.keep}: ${pruned.join(", ")}`);
    return toState(state);
  }

  rollback(ctx: Context, config: Config, staged?: string, snapshot?: string, current?: string): void {
    const releases = new Releases(config.target);
    const wanted = current !== undefined
      ? parseState<ReleaseState>("current state", current).release
      : snapshot !== undefined
        ? parseState<Snapshot>("snapshot", snapshot).release
        : undefined;
    if (wanted !== undefined) {
      releases.require(wanted, "roll back");
      if (releases.live() !== wanted) releases.pointCurrentAt(wanted, ctx.deploymentId);
      log.info(`current -> releases/${wanted}`);
    } else {
      releases.unlinkCurrent();
      log.info("nothing was live before: removed current");
    }
    if (staged !== undefined) {
      const { release } = parseState<ReleaseState>("staged state", staged);
      if (release !== wanted && releases.remove(release)) log.info(`removed the staged releases/${release}`);
    }
    releases.clearLeftovers();
  }
}

export const strategy = exportStrategy(new ReleaseDir());
