// AWS Signature Version 4: the headers every AWS API (and moto) wants, computed in the plugin
// from credentials the plan grants as secrets, then sent with `request` from `@sluice/sdk/http`.
// The host never learns what a signature is for; the plugin's `http` grant decides where it may
// go. The same algorithm as the Python and Rust SDKs', checked against the same cases of AWS's
// SigV4 test suite (`sdk/js/tests/aws.test.ts`). It imports no sluice interface, so it also runs
// (and is tested) outside a component.
//
//   import { Signer } from "@sluice/sdk/aws";
//   import { request } from "@sluice/sdk/http";
//   import { secret } from "@sluice/sdk/secrets";
//
//   const signer = new Signer({ accessKeyId: secret("aws_key"), secretAccessKey: secret("aws_secret") },
//     "us-east-1", "ecs");
//   const body = JSON.stringify({ cluster: "shop", services: ["api"] });
//   const signed = signer.sign("POST", "https://ecs.us-east-1.amazonaws.com", "/", [], [
//     ["content-type", "application/x-amz-json-1.1"],
//     ["x-amz-target", "AmazonEC2ContainerServiceV20141113.DescribeServices"],
//   ], body);
//   const answer = request("POST", signed.url, { headers: signed.headers, body });

import { hex, hmacSha256, sha256 } from "./sha256.ts";

/** An access key, with the session token of temporary credentials. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A signed request: the URL to send to and every header to send. */
export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Orders (name, value) pairs by name, then value, as SigV4 sorts headers and query pairs. */
const byPair = ([a, x]: string[], [b, y]: string[]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0);

/** Signs requests for one `service` (`s3`, `lambda`, `ecs`, ...) in one `region`. */
export class Signer {
  /** A private field, so the secret stays out of `JSON.stringify` and `console.log`. */
  readonly #credentials: Credentials;

  constructor(
    credentials: Credentials,
    readonly region: string,
    readonly service: string,
  ) {
    this.#credentials = credentials;
  }

  /**
   * Signs `method` to `endpoint` (`https://host[:port]`) at `path` (not yet percent-encoded)
   * with the `query` pairs (not encoded), the `headers` it will send and `payload`, at
   * `amzDate` (`YYYYMMDDTHHMMSSZ`, default now). Returns the URL and every header to send:
   * `headers`, then `x-amz-date`, `x-amz-content-sha256`, `authorization` and, for temporary
   * credentials, `x-amz-security-token`.
   */
  sign(
    method: string,
    endpoint: string,
    path: string,
    query: [string, string][] = [],
    headers: [string, string][] = [],
    payload: Uint8Array | string = "",
    amzDate: string = formatAmzDate(Date.now() / 1000),
  ): SignedRequest {
    const host = endpoint.replace(/^.*?:\/\//, "").replace(/\/+$/, "");
    const contentSha256 = hex(sha256(typeof payload === "string" ? utf8(payload) : payload));
    const signed: [string, string][] = headers.map(([name, value]) => [name.toLowerCase(), value.trim().split(/\s+/).join(" ")]);
    signed.push(["host", host], ["x-amz-date", amzDate]);
    if (this.service === "s3") signed.push(["x-amz-content-sha256", contentSha256]);
    const token = this.#credentials.sessionToken;
    if (token) signed.push(["x-amz-security-token", token]);
    signed.sort(byPair);
    const names = signed.map(([name]) => name).join(";");
    const canonicalQuery = canonicalPairs(query);
    const canonicalPath = uriEncode(path || "/", true);
    const canonicalRequest = [
      method,
      canonicalPath,
      canonicalQuery,
      signed.map(([name, value]) => `${name}:${value}\n`).join(""),
      names,
      contentSha256,
    ].join("\n");
    const date = amzDate.slice(0, 8);
    const scope = `${date}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, hex(sha256(utf8(canonicalRequest)))].join("\n");
    const key = signingKey(this.#credentials.secretAccessKey, date, this.region, this.service);
    const signature = hex(hmacSha256(key, utf8(stringToSign)));
    const sent: Record<string, string> = Object.fromEntries(headers);
    sent["x-amz-date"] = amzDate;
    sent["x-amz-content-sha256"] = contentSha256;
    sent.authorization =
      `AWS4-HMAC-SHA256 Credential=${this.#credentials.accessKeyId}/${scope}, SignedHeaders=${names}, Signature=${signature}`;
    if (token) sent["x-amz-security-token"] = token;
    const url = endpoint.replace(/\/+$/, "") + canonicalPath;
    return { url: canonicalQuery ? `${url}?${canonicalQuery}` : url, headers: sent };
  }
}

/** `YYYYMMDDTHHMMSSZ` for `unixSeconds` (UTC), as `x-amz-date` wants it. */
export function formatAmzDate(unixSeconds: number): string {
  return new Date(Math.floor(unixSeconds) * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Percent-encodes `text` as SigV4 wants: everything but `A-Z a-z 0-9 - _ . ~`, and `/` when `keepSlash`. */
export function uriEncode(text: string, keepSlash: boolean): string {
  let out = "";
  for (const byte of utf8(text)) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) || (keepSlash && char === "/")
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The query as signed (and sent): each key and value encoded, the pairs sorted. */
function canonicalPairs(query: [string, string][]): string {
  return query
    .map(([key, value]) => [uriEncode(key, false), uriEncode(value, false)])
    .sort(byPair)
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/** The key derived for one day, region and service. */
export function signingKey(secret: string, date: string, region: string, service: string): Uint8Array {
  let key = utf8(`AWS4${secret}`);
  for (const part of [date, region, service, "aws4_request"]) key = hmacSha256(key, utf8(part));
  return key;
}
