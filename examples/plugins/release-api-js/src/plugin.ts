// release-api-js: deploys a release through an HTTP deploy API with `fetch()`, in TypeScript.
//
// The API (the unit's `api` origin, which the plan must grant under `http`) keeps releases by
// version and one of them live: `stage` uploads the version's page (`PUT /releases/{version}`),
// `shift(100)` makes it live (`PUT /live`), `finalize` checks it is, and `rollback` makes the
// release that was live before live again (or takes the site down) and removes the staged one.
// The API is the source of truth: `prepare` and `plan` ask it what is live (`GET /live`).

import {
  type Change,
  type Context,
  Failed,
  type PluginInfo,
  type Staged,
  Strategy,
  Unavailable,
  exportStrategy,
  log,
  parseState,
  toState,
} from "@sluice/sdk";

interface Config {
  /** The deploy API's origin, e.g. `http://127.0.0.1:9000`. */
  api: string;
}

/** What `prepare` returns, and the staged and current states: a version and what was live. */
interface Release {
  version?: string;
  previous?: string;
}

/** Sends one request to the API: the answer's text, or `Failed`/`Unavailable` saying what failed. */
async function send(config: Config, method: string, path: string, body?: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${config.api}${path}`, { method, body });
  } catch (thrown) {
    throw new Unavailable(`${method} ${path}: ${String(thrown)}`);
  }
  const text = await response.text();
  if (!response.ok) throw new Failed(`${method} ${path}: HTTP ${response.status}: ${text}`);
  return text;
}

/** Sends `body` as JSON; the JSON answer. */
async function call<T>(config: Config, method: string, path: string, body?: unknown): Promise<T> {
  const json = body === undefined ? undefined : JSON.stringify(body);
  return JSON.parse(await send(config, method, path, json)) as T;
}

async function liveVersion(config: Config): Promise<string | undefined> {
  const live = await call<{ version: string | null }>(config, "GET", "/live");
  return live.version ?? undefined;
}

class ReleaseApi extends Strategy<Config> {
  info(): PluginInfo {
    return {
      name: "release-api-js",
      version: "0.1.0",
      description: "Deploys a release through an HTTP deploy API with fetch(): upload, make live, roll back.",
      configSchema: JSON.stringify({
        type: "object",
        required: ["api"],
        properties: { api: { type: "string" } },
        additionalProperties: false,
      }),
      features: ["rollback", "plan"],
    };
  }

  async plan(ctx: Context, config: Config): Promise<Change[]> {
    const live = await liveVersion(config);
    const action = live === undefined ? "create" : live === ctx.version ? "no-op" : "update";
    return [{ action, resource: `${config.api}/live`, detail: `${live ?? "nothing"} -> ${ctx.version}` }];
  }

  async prepare(_ctx: Context, config: Config): Promise<string> {
    return toState({ version: await liveVersion(config) } satisfies Release);
  }

  async stage(ctx: Context, config: Config): Promise<Staged> {
    const previous = await liveVersion(config);
    const path = `/releases/${encodeURIComponent(ctx.version)}`;
    await send(config, "PUT", path, `<h1>${ctx.version}</h1>\n`);
    const summary = `uploaded release ${ctx.version}`;
    log.info(summary);
    return { state: toState({ version: ctx.version, previous } satisfies Release), endpoints: [], summary };
  }

  async shift(_ctx: Context, config: Config, staged: string, percent: number): Promise<void> {
    if (percent < 100) return;
    const { version } = parseState<Release>("staged state", staged);
    await call(config, "PUT", "/live", { version });
    log.info(`live -> ${version}`);
  }

  async finalize(_ctx: Context, config: Config, staged: string): Promise<string> {
    const state = parseState<Release>("staged state", staged);
    const live = await liveVersion(config);
    if (live !== state.version) throw new Failed(`${live ?? "nothing"} is live, not the staged ${state.version}`);
    return staged;
  }

  async rollback(_ctx: Context, config: Config, staged?: string, snapshot?: string, current?: string): Promise<void> {
    const wanted = parseState<Release>("state", current ?? snapshot ?? "{}").version;
    if (wanted !== undefined) {
      await call(config, "PUT", "/live", { version: wanted });
      log.info(`live -> ${wanted}`);
    } else {
      await call(config, "DELETE", "/live");
      log.info("nothing was live before: took the site down");
    }
    const stagedVersion = staged === undefined ? undefined : parseState<Release>("staged state", staged).version;
    if (stagedVersion !== undefined && stagedVersion !== wanted) {
      await call(config, "DELETE", `/releases/${encodeURIComponent(stagedVersion)}`);
      log.info(`removed the staged release ${stagedVersion}`);
    }
  }
}

export const strategy = exportStrategy(new ReleaseApi());
