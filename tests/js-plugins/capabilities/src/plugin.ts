// Test plugin: `stage` reads a secret or GETs a URL through the JS SDK's helpers and says what it
// got in its summary; every other call keeps the SDK's defaults or does nothing. A refusal
// propagates as the SDK raises it, so the host shows the error's WIT case.

import { type Context, type PluginInfo, type Staged, Strategy, exportStrategy } from "@sluice/sdk";
import { request } from "@sluice/sdk/http";
import { secret } from "@sluice/sdk/secrets";

interface Config {
  probe: "secret" | "http";
  arg: string;
}

class Capabilities extends Strategy<Config> {
  info(): PluginInfo {
    return {
      name: "js-capabilities",
      version: "0.1.0",
      description: "Reads a secret or GETs a URL in stage (a test plugin).",
      configSchema: JSON.stringify({ type: "object", required: ["probe", "arg"] }),
      features: [],
    };
  }

  prepare(): string {
    return "null";
  }

  stage(_ctx: Context, config: Config): Staged {
    let summary: string;
    if (config.probe === "secret") {
      summary = `secret ${config.arg} has ${secret(config.arg).length} characters`;
    } else {
      const response = request("get", config.arg);
      summary = `HTTP ${response.status} from ${response.url}: ${response.text()}`;
    }
    return { state: "null", endpoints: [], summary };
  }

  finalize(_ctx: Context, _config: Config, staged: string): string {
    return staged;
  }

  rollback(): void {}
}

export const strategy = exportStrategy(new Capabilities());
