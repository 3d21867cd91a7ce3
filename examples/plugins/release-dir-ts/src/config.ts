// The unit's config: where the tree comes from, where releases go, how many to keep.

import type { Diagnostic } from "@sluice/sdk";

/** A unit's config for release-dir-ts. */
export interface Config {
  /** Guest path of the directory to publish (granted read-only). */
  source: string;
  /** Guest path of the directory holding `releases/` and the `current` link (read-write). */
  target: string;
  /** How many releases to keep, the live one included. */
  keep: number;
  /** The URL under which `target` is served, if it is: staged releases are probed there. */
  public_url?: string;
}

export const SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "release-dir-ts unit config",
  type: "object",
  additionalProperties: false,
  required: ["source", "target"],
  properties: {
    source: { type: "string", pattern: "^/", description: "guest path of the tree to publish" },
    target: { type: "string", pattern: "^/", description: "guest path holding releases/ and current" },
    keep: { type: "integer", minimum: 1, default: 3, description: "releases kept, the live one included" },
    public_url: { type: "string", pattern: "^https?://", description: "where target is served" },
  },
};

/** The config JSON with its defaults filled in. */
export function withDefaults(raw: Partial<Config>): Config {
  return { keep: 3, ...raw } as Config;
}

/** What the schema cannot say. */
export function problems(config: Config): Diagnostic[] {
  const found: Diagnostic[] = [];
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b.replace(/\/$/, "")}/`);
  if (inside(config.source, config.target) || inside(config.target, config.source)) {
    found.push({ path: "target", message: "must not be inside `source`, nor contain it" });
  }
  return found;
}

/** The URL of the release directory `name`, if `public_url` is set. */
export function releaseUrl(config: Config, name: string): string | undefined {
  if (!config.public_url) return undefined;
  return `${config.public_url.replace(/\/+$/, "")}/releases/${encodeURIComponent(name)}/`;
}
