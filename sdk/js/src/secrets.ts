// Secrets the plan grants (`secrets` grant); import only when the plugin's world imports
// `sluice:deploy/secrets`.

import { get } from "sluice:deploy/secrets@0.1.4";
import { doing } from "./errors.js";

/** The value of the granted secret `name`; `Denied` when not granted, `Unavailable` when unset. */
export function secret(name: string): string {
  return doing(`reading the secret ${name}`, () => get(name));
}
