// The state strings the host keeps for a plugin: small JSON documents, read tolerantly.

import { Failed } from "./errors.js";

/** `value` as a state string. */
export function toState(value: unknown): string {
  return JSON.stringify(value);
}

/** A state string read back; `what` names it in the error when it is not JSON. */
export function parseState<T>(what: string, state: string): T {
  try {
    return JSON.parse(state) as T;
  } catch (thrown) {
    throw new Failed(`${what} is not the JSON this plugin writes: ${(thrown as Error).message}`);
  }
}
