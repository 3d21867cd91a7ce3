// Outgoing HTTP through the host's `http` capability (the plan's `http` grant: granted origins
// only, checked and capped by the host); import only when the plugin's world imports
// `sluice:deploy/http`.

import { send, type Method, type Response as WitResponse } from "sluice:deploy/http@0.1.4";
import { doing, Failed } from "./errors.js";

/** What to send besides the method and URL. */
export interface RequestOptions {
  headers?: Record<string, string>;
  /** A string is sent as UTF-8; an object as JSON (with `content-type: application/json`). */
  body?: string | Uint8Array | object;
  timeoutMs?: number;
  /** Whether the host follows redirects, re-checking each hop against the grant (default true). */
  followRedirects?: boolean;
}

/** A whole response. */
export class Response {
  constructor(private readonly raw: WitResponse) {}

  get status(): number {
    return this.raw.status;
  }

  /** The URL that answered, after any redirects. */
  get url(): string {
    return this.raw.finalUrl;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The first header called `name` (case-insensitive). */
  header(name: string): string | undefined {
    const wanted = name.toLowerCase();
    return this.raw.headers.find(([key]) => key.toLowerCase() === wanted)?.[1];
  }

  get bytes(): Uint8Array {
    return this.raw.body;
  }

  text(): string {
    return new TextDecoder().decode(this.raw.body);
  }

  /** The body as JSON; `Failed` naming `what` when it is not. */
  json<T>(what: string): T {
    try {
      return JSON.parse(this.text()) as T;
    } catch (thrown) {
      throw new Failed(`${what}: the response is not JSON (${(thrown as Error).message})`);
    }
  }
}

/** Sends one request and waits for the whole response; a host refusal keeps its kind. */
export function request(method: Method, url: string, options: RequestOptions = {}): Response {
  const headers = Object.entries(options.headers ?? {});
  let body: Uint8Array | undefined;
  if (typeof options.body === "string") {
    body = new TextEncoder().encode(options.body);
  } else if (options.body instanceof Uint8Array) {
    body = options.body;
  } else if (options.body !== undefined) {
    body = new TextEncoder().encode(JSON.stringify(options.body));
    headers.push(["content-type", "application/json"]);
  }
  const raw = doing(`${method.toUpperCase()} ${url}`, () =>
    send({
      method,
      url,
      headers,
      body,
      timeoutMs: options.timeoutMs,
      followRedirects: options.followRedirects ?? true,
    }),
  );
  return new Response(raw);
}
