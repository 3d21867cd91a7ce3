// The unit's config: which service, the image its container gets, how to reach AWS.

import type { Diagnostic } from "@sluice/sdk";

/** Names of granted secrets holding the AWS credentials. */
export interface CredentialSecrets {
  access_key_id_secret: string;
  secret_access_key_secret: string;
  session_token_secret?: string;
}

/** A unit's config for ecs-service. */
export interface Config {
  /** The cluster's name (default `default`). */
  cluster: string;
  /** The service's name; it must exist. */
  service: string;
  /** The image the container runs in the new revision, e.g. `registry/shop-api:${version}`. */
  image: string;
  /** The container of the task definition that gets `image`; needed when it has several. */
  container?: string;
  /** The service's region (default `us-east-1`). */
  region: string;
  /** The ECS API (default `https://ecs.REGION.amazonaws.com`). */
  endpoint?: string;
  /** How long `shift(100)` waits for the service to reach a steady state, in seconds. */
  wait_seconds: number;
  credentials: CredentialSecrets;
}

export const SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "ecs-service unit config",
  type: "object",
  additionalProperties: false,
  required: ["service", "image", "credentials"],
  properties: {
    cluster: { type: "string", minLength: 1, default: "default", description: "the cluster's name" },
    service: { type: "string", minLength: 1, description: "the service's name (it must exist)" },
    image: { type: "string", minLength: 1, description: "the image of the new revision's container" },
    container: { type: "string", minLength: 1, description: "the container that gets `image`" },
    region: { type: "string", default: "us-east-1", description: "the service's region" },
    endpoint: { type: "string", pattern: "^https?://", description: "the ECS API" },
    wait_seconds: { type: "integer", minimum: 1, default: 600, description: "how long to wait for a steady state" },
    credentials: {
      type: "object",
      additionalProperties: false,
      required: ["access_key_id_secret", "secret_access_key_secret"],
      properties: {
        access_key_id_secret: { type: "string", description: "the granted secret holding the access key id" },
        secret_access_key_secret: { type: "string", description: "the granted secret holding the secret access key" },
        session_token_secret: { type: "string", description: "the granted secret holding a session token" },
      },
    },
  },
};

/** The config JSON with its defaults filled in. */
export function withDefaults(raw: Partial<Config>): Config {
  return { cluster: "default", region: "us-east-1", wait_seconds: 600, ...raw } as Config;
}

/** What the schema cannot say. */
export function problems(config: Config): Diagnostic[] {
  return /\s/.test(config.image) ? [{ path: "image", message: "must not contain whitespace" }] : [];
}

/** The ECS API endpoint. */
export function api(config: Config): string {
  return (config.endpoint ?? `https://ecs.${config.region}.amazonaws.com`).replace(/\/+$/, "");
}
