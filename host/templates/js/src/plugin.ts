// {{name}}: a sluice deployment strategy, in TypeScript.
//
// It publishes the unit's `source` directory as a release: `stage` copies it to
// `target/releases/<version>/`, `shift(100)` points the `target/current` symlink at it (a new
// link renamed over the old one: readers see the old release or the new one, never none), and
// `rollback` points `current` back. Make it yours: sluice's docs/writing-a-plugin.md says what
// each call must guarantee. Every call gets a fresh instance: keep nothing in memory, only in
// the strings returned.

import {
  type Context,
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
import * as fs from "@sluice/sdk/fs";
import { releaseName } from "./naming.js";

/** The unit's config. */
interface Config {
  /** The directory to publish (granted read-only). */
  source: string;
  /** Where releases/ and `current` live (granted read-write). */
  target: string;
}

/** The JSON Schema of the unit's config; the host checks every config against it. */
const SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  additionalProperties: false,
  required: ["source", "target"],
  properties: {
    source: { type: "string", description: "The directory to publish (granted read-only)." },
    target: { type: "string", description: "Where releases/ and `current` live (granted read-write)." },
  },
};

/** Every state string: the staged release, the `current` one, the snapshot of the live one. */
interface Release {
  release: string | null;
}

class Plugin extends Strategy<Config> {
  info(): PluginInfo {
    return {
      name: "{{name}}",
      version: "0.1.0",
      description: "Publishes a directory as releases/<version> and points a `current` symlink at it.",
      configSchema: JSON.stringify(SCHEMA),
      features: ["rollback"],
    };
  }

  prepare(_ctx: Context, config: Config): string {
    return toState({ release: live(config) } satisfies Release);
  }

  stage(ctx: Context, config: Config): Staged {
    let name: string;
    try {
      name = releaseName(ctx.version);
    } catch (thrown) {
      throw new InvalidConfig((thrown as Error).message);
    }
    if (live(config) === name) throw new Failed(`releases/${name} is live: deploy another version`);
    const releases = fs.join(config.target, "releases");
    const release = fs.join(releases, name);
    fs.removeTree(release); // what an interrupted deployment left
    fs.makeDirs(releases);
    fs.copyTree(config.source, release);
    log.info(`copied ${config.source} to ${release}`);
    return {
      state: toState({ release: name } satisfies Release),
      endpoints: [],
      summary: `staged releases/${name}`,
    };
  }

  shift(_ctx: Context, config: Config, staged: string, percent: number): void {
    if (percent === 100) pointCurrentAt(config, parseState<Release>("staged state", staged).release);
  }

  finalize(_ctx: Context, _config: Config, staged: string): string {
    return staged;
  }

  rollback(_ctx: Context, config: Config, staged?: string, snapshot?: string, current?: string): void {
    const kept = current ?? snapshot;
    if (kept === undefined) return; // prepare never ran: nothing changed
    const wanted = parseState<Release>("state", kept).release;
    pointCurrentAt(config, wanted);
    if (staged !== undefined) {
      const dropped = parseState<Release>("staged state", staged).release;
      if (dropped !== null && dropped !== wanted) fs.removeTree(fs.join(config.target, "releases", dropped));
    }
  }
}

/** The release `current` points at, if any. */
function live(config: Config): string | null {
  const current = fs.join(config.target, "current");
  if (fs.typeOf(current) === undefined) return null;
  return fs.readLink(current).split("/").pop() ?? null;
}

/** Makes `releases/<name>` live in one rename; null removes `current`. */
function pointCurrentAt(config: Config, name: string | null): void {
  const current = fs.join(config.target, "current");
  if (name === null) {
    fs.removeTree(current);
    return;
  }
  const next = fs.join(config.target, "current.next");
  fs.removeTree(next);
  fs.symlink(`releases/${name}`, next);
  fs.rename(next, current);
}

export const strategy = exportStrategy(new Plugin());
