// Logging through the host's `log` capability (always granted; capped and redacted by the host).

import { progress as writeProgress, write } from "sluice:deploy/log@0.1.4";

/** Fine detail, shown with `-vv`. */
export function trace(message: string): void {
  write("trace", message);
}

/** Detail, shown with `-v`. */
export function debug(message: string): void {
  write("debug", message);
}

/** Normal progress. */
export function info(message: string): void {
  write("info", message);
}

/** Something the user should look at; the deployment goes on. */
export function warn(message: string): void {
  write("warn", message);
}

/** Something failed; usually followed by an error. */
export function error(message: string): void {
  write("error", message);
}

/** Progress of a long step: `done` of `total`. */
export function progress(done: number, total: number, message: string): void {
  writeProgress(BigInt(done), BigInt(total), message);
}
