// cloudflare-workers: a new version of a Cloudflare Worker, rolled out with Workers' gradual
// deployments, in TypeScript.
//
// `prepare` notes what serves now (the newest deployment's versions and percentages). `stage`
// uploads the granted modules as a new version without deploying it (`wrangler versions upload`);
// a Worker that does not exist yet is created at the cut-over instead (`wrangler deploy`).
// `shift(p)` deploys the new version at p% beside the version that served (a real canary), and
// 100% alone at the cut-over. `rollback` deploys exactly what served before, or deletes a Worker
// this deployment created.

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
import * as fs from "@sluice/sdk/fs";
import { type Module, type Share, Workers } from "./api.ts";
import { type Config, SCHEMA, problems, withDefaults } from "./config.ts";

/** What served when the deployment began (empty: the Worker did not exist). */
interface Snapshot {
  serving: Share[];
}

/** The staged state; once finalized, `version` is the one serving. */
interface Release {
  /** The uploaded version; undefined until a new Worker is created at the cut-over. */
  version?: string;
  /** What served before. */
  previous: Share[];
}

/** The modules in `source`: every `.js` and `.mjs` file, by path relative to it. */
function modulesOf(config: Config): Module[] {
  const found: Module[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs.entries(dir).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = fs.join(dir, entry.name);
      if (entry.type === "directory") walk(path, `${prefix}${entry.name}/`);
      else if (/\.m?js$/.test(entry.name)) found.push({ name: `${prefix}${entry.name}`, bytes: fs.readBytes(path) });
    }
  };
  walk(config.source, "");
  if (!found.some((module) => module.name === config.main_module)) {
    throw new InvalidConfig(`main_module ${config.main_module} is not a module in ${config.source}`);
  }
  return found;
}

/** The version serving the most traffic in `shares`. */
function main(shares: Share[]): string | undefined {
  return [...shares].sort((a, b) => b.percentage - a.percentage)[0]?.version_id;
}

class CloudflareWorkers extends Strategy<Config> {
  info(): PluginInfo {
    return {
      name: "cloudflare-workers",
      version: "0.1.0",
      description: "Uploads a Worker's modules as a new version and rolls it out with Workers' gradual deployments.",
      configSchema: JSON.stringify(SCHEMA),
      features: ["rollback", "traffic-shift", "plan"],
    };
  }

  parseConfig(json: string): Config {
    return withDefaults(super.parseConfig(json));
  }

  validate(config: Config): Diagnostic[] {
    return problems(config);
  }

  plan(ctx: Context, config: Config): Change[] {
    return [{ action: "update", resource: `workers:${config.script}`, detail: `upload ${ctx.version} as a new version and deploy it` }];
  }

  prepare(_ctx: Context, config: Config): string {
    const serving = new Workers(config).deployments()[0]?.versions ?? [];
    return toState({ serving } satisfies Snapshot);
  }

  stage(ctx: Context, config: Config): Staged {
    const workers = new Workers(config);
    const modules = modulesOf(config);
    const previous = workers.deployments()[0]?.versions ?? [];
    let release: Release;
    let summary: string;
    if (previous.length === 0) {
      release = { previous };
      summary = `${config.script} does not exist yet: it is created with ${modules.length} module(s) at the cut-over`;
    } else {
      release = { version: workers.uploadVersion(modules), previous };
      summary = `uploaded version ${release.version} of ${config.script} (${modules.length} module(s)) for ${ctx.version}`;
    }
    log.info(summary);
    return { state: toState(release), endpoints: [], summary };
  }

  shift(ctx: Context, config: Config, staged: string, percent: number): void {
    const release = parseState<Release>("staged state", staged);
    const workers = new Workers(config);
    const message = `sluice ${ctx.deploymentId}: ${ctx.version} at ${percent}%`;
    if (release.version === undefined) {
      if (percent < 100) return;
      workers.create(modulesOf(config));
      log.info(`created ${config.script}, serving ${ctx.version}`);
      return;
    }
    const old = main(release.previous);
    const shares: Share[] = percent >= 100 || old === undefined || old === release.version
      ? [{ version_id: release.version, percentage: 100 }]
      : [{ version_id: release.version, percentage: percent }, { version_id: old, percentage: 100 - percent }];
    workers.deploy(shares, message);
    log.info(`${config.script}: ${shares.map((s) => `${s.version_id} ${s.percentage}%`).join(", ")}`);
  }

  finalize(_ctx: Context, config: Config, staged: string): string {
    const release = parseState<Release>("staged state", staged);
    const serving = new Workers(config).deployments()[0]?.versions ?? [];
    const version = serving.length === 1 && serving[0].percentage === 100 ? serving[0].version_id : undefined;
    if (version === undefined || (release.version !== undefined && version !== release.version)) {
      throw new Failed(`${config.script} is not served by the staged version alone: ${JSON.stringify(serving)}`);
    }
    return toState({ version, previous: release.previous } satisfies Release);
  }

  rollback(ctx: Context, config: Config, staged?: string, snapshot?: string, current?: string): void {
    const workers = new Workers(config);
    let wanted: Share[];
    if (current !== undefined) {
      const version = parseState<Release>("current state", current).version;
      wanted = version ? [{ version_id: version, percentage: 100 }] : [];
    } else if (snapshot !== undefined) {
      wanted = parseState<Snapshot>("snapshot", snapshot).serving;
    } else {
      wanted = staged !== undefined ? parseState<Release>("staged state", staged).previous : [];
    }
    const serving = workers.deployments()[0]?.versions ?? [];
    if (wanted.length === 0) {
      if (serving.length > 0) {
        workers.remove();
        log.info(`nothing served before: deleted ${config.script}`);
      }
      return;
    }
    if (JSON.stringify(serving) !== JSON.stringify(wanted)) {
      workers.deploy(wanted, `sluice ${ctx.deploymentId}: rollback`);
    }
    log.info(`${config.script}: ${wanted.map((s) => `${s.version_id} ${s.percentage}%`).join(", ")}`);
  }
}

export const strategy = exportStrategy(new CloudflareWorkers());
