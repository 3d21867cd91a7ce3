// The web APIs componentize-js's runtime (StarlingMonkey) provides that the SDK uses; declared
// here because the plugin is type-checked without the DOM library.

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: string);
  decode(input?: Uint8Array): string;
}

/** What `fetch()` takes besides the URL (the part plugins use). */
interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** What `fetch()` answers (the part plugins use). */
interface Response {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/**
 * `fetch()`: only in a plugin built with `--fetch` (see build.mjs), answered by the host's
 * `http` capability (the plan's `http` grant), redirects followed by the host.
 */
declare function fetch(url: string, init?: RequestInit): Promise<Response>;

/**
 * Runs `handler` after `ms` milliseconds, on the runtime's event loop; a lifecycle method waits
 * with `await new Promise((resolve) => setTimeout(resolve, ms))`.
 */
declare function setTimeout(handler: () => void, ms?: number): number;
