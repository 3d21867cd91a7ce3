// Test plugin: `stage` fetches `url` with `fetch()` and says what it got in its summary; when the
// fetch fails it fails the call with what the runtime threw. Every other call keeps the SDK's
// defaults or does nothing.

import { type Context, Failed, type PluginInfo, type Staged, Strategy, exportStrategy } from "@sluice/sdk";

interface Config {
  url: string;
}

class Fetch extends Strategy<Config> {
  info(): PluginInfo {
    return {
      name: "js-fetch",
      version: "0.1.0",
      description: "GETs a URL with fetch() in stage (a test plugin).",
      configSchema: JSON.stringify({ type: "object", required: ["url"] }),
      features: [],
    };
  }

  prepare(): string {
    return "null";
  }

  async stage(_ctx: Context, config: Config): Promise<Staged> {
    let summary: string;
    try {
      const response = await fetch(config.url);
      summary = `fetch: HTTP ${response.status} from ${config.url}: ${await response.text()}`;
    } catch (thrown) {
      throw new Failed(`fetch ${config.url} threw ${String(thrown)}`);
    }
    return { state: "null", endpoints: [], summary };
  }

  finalize(_ctx: Context, _config: Config, staged: string): string {
    return staged;
  }

  rollback(): void {}
}

export const strategy = exportStrategy(new Fetch());
