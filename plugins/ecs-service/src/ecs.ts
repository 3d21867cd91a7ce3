// The few ECS API calls the strategy makes (JSON 1.1 over POST, signed with SigV4), sent through
// the `http` capability.

import { Failed, Unavailable } from "@sluice/sdk";
import { Signer } from "@sluice/sdk/aws";
import { request } from "@sluice/sdk/http";
import { secret } from "@sluice/sdk/secrets";
import { type Config, api } from "./config.ts";

/** The prefix of every ECS operation's `X-Amz-Target`. */
const TARGET = "AmazonEC2ContainerServiceV20141113";

/** One deployment of a service, as `DescribeServices` lists it. */
export interface Deployment {
  status: string;
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  rolloutState?: string;
  rolloutStateReason?: string;
}

/** A service, as `DescribeServices` answers. */
export interface Service {
  serviceArn: string;
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  deployments: Deployment[];
}

/** A container of a task definition. */
export interface ContainerDefinition {
  name: string;
  image: string;
  [key: string]: unknown;
}

/** A task definition, as `DescribeTaskDefinition` answers (only what is read here is typed). */
export interface TaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  containerDefinitions: ContainerDefinition[];
  [key: string]: unknown;
}

/** The fields of a task definition that `RegisterTaskDefinition` takes back. */
const REGISTERED_FIELDS = [
  "family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
  "placementConstraints", "requiresCompatibilities", "cpu", "memory", "pidMode", "ipcMode",
  "proxyConfiguration", "inferenceAccelerators", "ephemeralStorage", "runtimePlatform",
];

/** AWS's error code (`ClusterNotFoundException`) and message in an error answer. */
function errorOf(text: string, header?: string): [string, string] {
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    const code = /<Code>(.*?)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([\s\S]*?)<\/Message>/.exec(text)?.[1];
    return [header ?? code ?? "error", message ?? text.slice(0, 500)];
  }
  const kind = header ?? parsed.__type ?? "error";
  return [kind.split("#").pop()!.split(":")[0], parsed.message ?? parsed.Message ?? text.slice(0, 500)];
}

/** The ECS API of one cluster, with the unit's credentials. */
export class Ecs {
  private readonly signer: Signer;

  constructor(private readonly config: Config) {
    const names = config.credentials;
    this.signer = new Signer(
      {
        accessKeyId: secret(names.access_key_id_secret),
        secretAccessKey: secret(names.secret_access_key_secret),
        sessionToken: names.session_token_secret ? secret(names.session_token_secret) : undefined,
      },
      config.region,
      "ecs",
    );
  }

  /** Calls `operation` with `body`; AWS's refusal becomes an error naming `what`. */
  private call<T>(operation: string, what: string, body: object): T {
    const payload = JSON.stringify(body);
    const signed = this.signer.sign("POST", api(this.config), "/", [], [
      ["content-type", "application/x-amz-json-1.1"],
      ["x-amz-target", `${TARGET}.${operation}`],
    ], payload);
    const answer = request("post", signed.url, { headers: signed.headers, body: payload });
    if (answer.status >= 300) {
      const [kind, message] = errorOf(answer.text(), answer.header("x-amzn-errortype"));
      const refused = answer.status === 401 || answer.status === 403 ? "AWS refused the credentials for " : "";
      const reason = `${refused}${what}: ${answer.status} ${kind}: ${message}`;
      throw answer.status >= 500 ? new Unavailable(reason) : new Failed(reason);
    }
    return answer.json<T>(what);
  }

  /** The service; `Failed` when the cluster has no such service. */
  service(): Service {
    const what = `service ${this.config.service} in cluster ${this.config.cluster}`;
    const found = this.call<{ services: Service[]; failures: { reason: string }[] }>(
      "DescribeServices", `describing ${what}`,
      { cluster: this.config.cluster, services: [this.config.service] },
    );
    const service = found.services[0];
    if (!service) {
      throw new Failed(`${what}: ${found.failures[0]?.reason ?? "not found"}`);
    }
    return service;
  }

  taskDefinition(arn: string): TaskDefinition {
    return this.call<{ taskDefinition: TaskDefinition }>(
      "DescribeTaskDefinition", `describing task definition ${arn}`, { taskDefinition: arn },
    ).taskDefinition;
  }

  /** Registers a new revision of `from`'s family: the same definition, `image` in `container`. */
  register(from: TaskDefinition, container: string, image: string): TaskDefinition {
    const body: Record<string, unknown> = {};
    for (const field of REGISTERED_FIELDS) {
      if (from[field] !== undefined && from[field] !== null) body[field] = from[field];
    }
    body.containerDefinitions = from.containerDefinitions.map((c) => (c.name === container ? { ...c, image } : c));
    return this.call<{ taskDefinition: TaskDefinition }>(
      "RegisterTaskDefinition", `registering a revision of ${from.family}`, body,
    ).taskDefinition;
  }

  /** Points the service at `taskDefinition`; ECS starts a rolling deployment. */
  update(taskDefinition: string): void {
    this.call("UpdateService", `updating service ${this.config.service}`, {
      cluster: this.config.cluster,
      service: this.config.service,
      taskDefinition,
    });
  }

  deregister(arn: string): void {
    this.call("DeregisterTaskDefinition", `deregistering ${arn}`, { taskDefinition: arn });
  }
}
