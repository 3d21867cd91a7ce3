// ecs-service: a new task definition revision for an AWS ECS service, rolled out by ECS itself,
// in TypeScript.
//
// `prepare` checks the service exists and notes its task definition. `stage` registers a new
// revision of that task definition with the unit's `image` in its container (or reuses the live
// one when the image is already it: nothing is registered). `shift(100)` updates the service to
// the new revision and waits for ECS's steady state: one deployment, `COMPLETED`, every task
// running; ECS's deployment circuit breaker reporting the rollout `FAILED` fails the step. ECS
// rolls tasks over but cannot split traffic, so `shift(p)` below 100 changes nothing. `rollback`
// points the service back at the revision it ran before and deregisters the one it registered.

import {
  type Change,
  type Context,
  type Diagnostic,
  Failed,
  InvalidConfig,
  type PluginInfo,
  type Staged,
  Strategy,
  exportStrategy,
  log,
  parseState,
  toState,
} from "@sluice/sdk";
import { type Config, SCHEMA, problems, withDefaults } from "./config.ts";
import { Ecs, type Service, type TaskDefinition } from "./ecs.ts";

/** What `prepare` returns: the task definition the service ran. */
interface Snapshot {
  taskDefinition: string;
}

/** The staged state, and the `current` state once finalized. */
interface Release {
  taskDefinition: string;
  previous: string;
  /** Whether this deployment registered `taskDefinition` (and rollback deregisters it). */
  registered: boolean;
}

/** How often the service is described while waiting for a steady state. */
const POLL_MS = 2000;

/** The container of `definition` that gets the image. */
function containerOf(definition: TaskDefinition, config: Config): string {
  const names = definition.containerDefinitions.map((c) => c.name);
  if (config.container !== undefined) {
    if (!names.includes(config.container)) {
      throw new InvalidConfig(`container ${config.container} is not in ${definition.taskDefinitionArn} (it has ${names.join(", ")})`);
    }
    return config.container;
  }
  if (names.length !== 1) {
    throw new InvalidConfig(`${definition.taskDefinitionArn} has ${names.length} containers (${names.join(", ")}): say which with \`container\``);
  }
  return names[0];
}

/** Why `service` is not steady on `taskDefinition` yet (undefined when it is). */
function unsteady(service: Service, taskDefinition: string): string | undefined {
  const primary = service.deployments.find((d) => d.status === "PRIMARY");
  if (primary?.rolloutState === "FAILED") {
    throw new Failed(`ECS's deployment circuit breaker failed the rollout: ${primary.rolloutStateReason ?? "no reason given"}`);
  }
  if (service.taskDefinition !== taskDefinition) return `the service runs ${service.taskDefinition}`;
  if (service.deployments.length > 1) return `${service.deployments.length} deployments are active`;
  if (primary?.rolloutState === "IN_PROGRESS") return `rollout in progress (${primary.runningCount} of ${primary.desiredCount} tasks running)`;
  if (service.runningCount < service.desiredCount) return `${service.runningCount} of ${service.desiredCount} tasks running`;
  return undefined;
}

class EcsService extends Strategy<Config> {
  info(): PluginInfo {
    return {
      name: "ecs-service",
      version: "0.1.0",
      description: "Registers a task definition revision with a new image and rolls an ECS service onto it, waiting for ECS's steady state.",
      configSchema: JSON.stringify(SCHEMA),
      features: ["rollback", "plan"],
    };
  }

  parseConfig(json: string): Config {
    return withDefaults(super.parseConfig(json));
  }

  validate(config: Config): Diagnostic[] {
    return problems(config);
  }

  plan(_ctx: Context, config: Config): Change[] {
    return [{
      action: "update",
      resource: `ecs:${config.cluster}/${config.service}`,
      detail: `register a revision running ${config.image} and roll the service onto it`,
    }];
  }

  prepare(_ctx: Context, config: Config): string {
    const snapshot: Snapshot = { taskDefinition: new Ecs(config).service().taskDefinition };
    return toState(snapshot);
  }

  stage(_ctx: Context, config: Config): Staged {
    const ecs = new Ecs(config);
    const live = ecs.taskDefinition(ecs.service().taskDefinition);
    const container = containerOf(live, config);
    const image = live.containerDefinitions.find((c) => c.name === container)!.image;
    let release: Release;
    let summary: string;
    if (image === config.image) {
      release = { taskDefinition: live.taskDefinitionArn, previous: live.taskDefinitionArn, registered: false };
      summary = `image unchanged: ${live.family}:${live.revision} runs ${image} already`;
    } else {
      const next = ecs.register(live, container, config.image);
      release = { taskDefinition: next.taskDefinitionArn, previous: live.taskDefinitionArn, registered: true };
      summary = `registered ${next.family}:${next.revision}: ${container} runs ${config.image} (was ${image})`;
    }
    log.info(summary);
    return { state: toState(release), endpoints: [], summary };
  }

  async shift(_ctx: Context, config: Config, staged: string, percent: number): Promise<void> {
    if (percent < 100) {
      log.debug(`ECS rolls tasks over and cannot split traffic: ${percent}% changes nothing`);
      return;
    }
    const release = parseState<Release>("staged state", staged);
    const ecs = new Ecs(config);
    ecs.update(release.taskDefinition);
    log.info(`service ${config.service} -> ${release.taskDefinition}; waiting for a steady state`);
    const deadline = Date.now() + config.wait_seconds * 1000;
    for (;;) {
      const why = unsteady(ecs.service(), release.taskDefinition);
      if (why === undefined) break;
      if (Date.now() >= deadline) {
        throw new Failed(`service ${config.service} did not reach a steady state in ${config.wait_seconds}s: ${why}`);
      }
      log.debug(`not steady yet: ${why}`);
      await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));
    }
    log.info(`service ${config.service} is steady on ${release.taskDefinition}`);
  }

  finalize(_ctx: Context, config: Config, staged: string): string {
    const release = parseState<Release>("staged state", staged);
    const running = new Ecs(config).service().taskDefinition;
    if (running !== release.taskDefinition) {
      throw new Failed(`service ${config.service} runs ${running}, not the staged ${release.taskDefinition}`);
    }
    return staged;
  }

  rollback(_ctx: Context, config: Config, staged?: string, snapshot?: string, current?: string): void {
    const ecs = new Ecs(config);
    const wanted = current !== undefined
      ? parseState<Release>("current state", current).taskDefinition
      : snapshot !== undefined
        ? parseState<Snapshot>("snapshot", snapshot).taskDefinition
        : undefined;
    if (wanted !== undefined && ecs.service().taskDefinition !== wanted) {
      ecs.update(wanted);
      log.info(`service ${config.service} -> ${wanted}: ECS rolls the tasks back`);
    }
    if (staged !== undefined) {
      const release = parseState<Release>("staged state", staged);
      if (release.registered && release.taskDefinition !== wanted) {
        ecs.deregister(release.taskDefinition);
        log.info(`deregistered ${release.taskDefinition}`);
      }
    }
  }
}

export const strategy = exportStrategy(new EcsService());
