// The Cloudflare API calls the strategy makes (the `{success, errors, result}` envelope), and the
// multipart form a script version is uploaded as, shaped as `wrangler deploy` sends it.

import { Failed, Unavailable } from "@sluice/sdk";
import { request } from "@sluice/sdk/http";
import { secret } from "@sluice/sdk/secrets";
import type { Config } from "./config.ts";

/** A version's share of a deployment. */
export interface Share {
  version_id: string;
  percentage: number;
}

/** A deployment, as the API lists it. */
export interface Deployment {
  id: string;
  versions: Share[];
}

/** One module of a version. */
export interface Module {
  name: string;
  bytes: Uint8Array;
}

/** The code of the API's "this Worker does not exist". */
const SCRIPT_NOT_FOUND = 10007;

/** An error answer: its HTTP status and the API's first error code. */
export class ApiError extends Failed {
  constructor(message: string, readonly status: number, readonly code?: number) {
    super(message);
  }
}

/** A multipart body and its content type (with the boundary). */
class Form {
  constructor(readonly contentType: string, readonly bytes: Uint8Array) {}
}

/** The multipart body of a version: `metadata`, then each module as a file part. */
function versionForm(metadata: object, modules: Module[]): Form {
  const boundary = `sluice-${Date.now().toString(16)}-${modules.length}`;
  const utf8 = new TextEncoder();
  const pieces: Uint8Array[] = [
    utf8.encode(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify(metadata)}\r\n`),
  ];
  for (const module of modules) {
    pieces.push(
      utf8.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${module.name}"; filename="${module.name}"\r\n` +
        "Content-Type: application/javascript+module\r\n\r\n"),
      module.bytes,
      utf8.encode("\r\n"),
    );
  }
  pieces.push(utf8.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    body.set(piece, at);
    at += piece.length;
  }
  return new Form(`multipart/form-data; boundary=${boundary}`, body);
}

/** One Worker's API. */
export class Workers {
  private readonly token: string;
  private readonly base: string;

  constructor(private readonly config: Config) {
    this.token = secret(config.api_token_secret);
    this.base = `${config.api.replace(/\/+$/, "")}/accounts/${config.account_id}/workers/scripts/${config.script}`;
  }

  /** Calls the API; `body` is a form, or an object sent as JSON. */
  private call<T>(method: "get" | "post" | "put" | "delete", path: string, what: string, body?: Form | object): T {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body instanceof Form) headers["content-type"] = body.contentType;
    const sent = body instanceof Form ? body.bytes : body;
    const answer = request(method, `${this.base}${path}`, { headers, body: sent });
    let envelope: { success?: boolean; errors?: { code?: number; message?: string }[]; result?: T };
    try {
      envelope = JSON.parse(answer.text());
    } catch {
      const reason = `${what}: HTTP ${answer.status}: ${answer.text().slice(0, 200)}`;
      throw answer.status >= 500 ? new Unavailable(reason) : new Failed(reason);
    }
    if (answer.status >= 300 || envelope.success !== true) {
      const first = envelope.errors?.[0];
      const reason = `${what}: HTTP ${answer.status}, code ${first?.code ?? "none"}: ${first?.message ?? "no message"}`;
      if (answer.status >= 500) throw new Unavailable(reason);
      throw new ApiError(reason, answer.status, first?.code);
    }
    return envelope.result as T;
  }

  /** The deployments, newest first; none when the Worker does not exist yet. */
  deployments(): Deployment[] {
    try {
      return this.call<{ deployments: Deployment[] }>("get", "/deployments", `listing the deployments of ${this.config.script}`).deployments;
    } catch (error) {
      if (error instanceof ApiError && error.code === SCRIPT_NOT_FOUND) return [];
      throw error;
    }
  }

  /** Uploads a version without deploying it; its id. */
  uploadVersion(modules: Module[]): string {
    return this.call<{ id: string }>("post", "/versions", `uploading a version of ${this.config.script}`,
      versionForm(this.metadata(), modules)).id;
  }

  /** Creates the Worker with `modules` as its first version, serving everything. */
  create(modules: Module[]): void {
    this.call("put", "", `creating ${this.config.script}`, versionForm(this.metadata(), modules));
  }

  /** Deploys `shares` (one or two versions adding up to 100%). */
  deploy(shares: Share[], message: string): void {
    this.call("post", "/deployments", `deploying ${this.config.script}`,
      { strategy: "percentage", versions: shares, annotations: { "workers/message": message } });
  }

  /** Deletes the Worker. */
  remove(): void {
    this.call("delete", "", `deleting ${this.config.script}`);
  }

  private metadata(): object {
    return {
      main_module: this.config.main_module,
      bindings: [],
      compatibility_date: this.config.compatibility_date,
      compatibility_flags: this.config.compatibility_flags,
    };
  }
}
