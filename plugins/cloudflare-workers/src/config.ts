// The unit's config: which Worker, where its modules are, how to reach the Cloudflare API.

import type { Diagnostic } from "@sluice/sdk";

/** A unit's config for cloudflare-workers. */
export interface Config {
  /** The account id. */
  account_id: string;
  /** The Worker (script) name. */
  script: string;
  /** Guest path of the granted directory holding the modules (`.js`, `.mjs`). */
  source: string;
  /** The module the Worker starts from, relative to `source`. */
  main_module: string;
  /** The Workers runtime's compatibility date. */
  compatibility_date: string;
  compatibility_flags: string[];
  /** The granted secret holding the API token. */
  api_token_secret: string;
  /** The API base (default `https://api.cloudflare.com/client/v4`). */
  api: string;
}

export const SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "cloudflare-workers unit config",
  type: "object",
  additionalProperties: false,
  required: ["account_id", "script", "source", "compatibility_date", "api_token_secret"],
  properties: {
    account_id: { type: "string", minLength: 1, description: "the account id" },
    script: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$", description: "the Worker's name" },
    source: { type: "string", pattern: "^/", description: "guest path of the directory holding the modules" },
    main_module: { type: "string", minLength: 1, default: "index.js", description: "the entry module, relative to source" },
    compatibility_date: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$", description: "the runtime's compatibility date" },
    compatibility_flags: { type: "array", items: { type: "string" }, default: [], description: "compatibility flags" },
    api_token_secret: { type: "string", minLength: 1, description: "the granted secret holding the API token" },
    api: { type: "string", pattern: "^https?://", default: "https://api.cloudflare.com/client/v4", description: "the API base" },
  },
};

/** The config JSON with its defaults filled in. */
export function withDefaults(raw: Partial<Config>): Config {
  return { main_module: "index.js", compatibility_flags: [], api: "https://api.cloudflare.com/client/v4", ...raw } as Config;
}

/** What the schema cannot say. */
export function problems(config: Config): Diagnostic[] {
  return config.main_module.includes("..") ? [{ path: "main_module", message: "must stay inside `source`" }] : [];
}
