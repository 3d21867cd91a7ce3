// The layout under `target/`: `releases/<name>/` directories, their order in `releases/.order`,
// and the `current` symlink. Every step that changes what is served is one rename: a release is
// copied under `.partial-*` and renamed into place, and `current` is replaced by renaming a new
// link over it, so an interrupted run leaves `current` on a complete release.

import { Failed, log } from "@sluice/sdk";
import * as fs from "@sluice/sdk/fs";

const RELEASES = "releases";
const CURRENT = "current";
const PARTIAL = ".partial-";
const NEXT_LINK = "current.next-";
const ORDER = ".order";

/** A file-name-safe form of a deployment id. */
function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "_");
}

/** The releases under one target directory. */
export class Releases {
  private readonly dir: string;

  constructor(private readonly target: string) {
    this.dir = fs.join(target, RELEASES);
  }

  /** The release `current` points at, or undefined when nothing is live. */
  live(): string | undefined {
    const link = fs.join(this.target, CURRENT);
    const type = fs.typeOf(link);
    if (type === undefined) return undefined;
    if (type !== "symbolic-link") {
      throw new Failed(`${link} exists but is not a symlink; move it away so release-dir-ts can manage it`);
    }
    const pointee = fs.readLink(link);
    const match = /^releases\/([^/]+)$/.exec(pointee);
    if (!match) throw new Failed(`${link} points at ${pointee}, not at a release under ${RELEASES}/`);
    return match[1];
  }

  /** Fails unless the release `name` is on disk; `purpose` says what it was wanted for. */
  require(name: string, purpose: string): void {
    if (fs.typeOf(fs.join(this.dir, name)) !== "directory") {
      throw new Failed(`cannot ${purpose}: release ${name} is not under ${this.dir} (pruned by \`keep\`, or removed)`);
    }
  }

  /** Removes what interrupted runs left: half-copied releases and unrenamed links. */
  clearLeftovers(): void {
    for (const [dir, prefix] of [[this.dir, PARTIAL], [this.target, NEXT_LINK]] as const) {
      for (const entry of fs.entries(dir).filter((e) => e.name.startsWith(prefix))) {
        log.info(`removing ${fs.join(dir, entry.name)} left by an interrupted run`);
        fs.removeTree(fs.join(dir, entry.name));
      }
    }
  }

  /** Whether anything is on disk by the name of the release `name`. */
  exists(name: string): boolean {
    return fs.typeOf(fs.join(this.dir, name)) !== undefined;
  }

  /** Copies `source` into the release `name` (replacing one of that name, never the live one). */
  install(source: string, name: string, deploymentId: string): { files: number; bytes: number } {
    fs.makeDirs(this.dir);
    const partial = fs.join(this.dir, PARTIAL + safe(deploymentId));
    const counts = fs.copyTree(source, partial);
    const release = fs.join(this.dir, name);
    fs.removeTree(release);
    fs.rename(partial, release);
    this.saveOrder([...this.order().filter((n) => n !== name), name]);
    return counts;
  }

  /** Points `current` at the release `name` in one atomic rename. */
  pointCurrentAt(name: string, deploymentId: string): void {
    const next = fs.join(this.target, NEXT_LINK + safe(deploymentId));
    fs.removeTree(next);
    fs.symlink(`${RELEASES}/${name}`, next);
    fs.rename(next, fs.join(this.target, CURRENT));
  }

  /** Removes the `current` link: nothing is live. */
  unlinkCurrent(): void {
    fs.removeTree(fs.join(this.target, CURRENT));
  }

  /** Removes the release `name`; says whether it was there. */
  remove(name: string): boolean {
    const release = fs.join(this.dir, name);
    const existed = fs.typeOf(release) !== undefined;
    fs.removeTree(release);
    this.saveOrder(this.order().filter((n) => n !== name));
    return existed;
  }

  /** Removes the oldest releases beyond `keep`, never one of `protect`; returns their names. */
  prune(keep: number, protect: string[]): string[] {
    const onDisk = new Set(fs.entries(this.dir).map((e) => e.name).filter((n) => !n.startsWith(".")));
    const ordered = this.order().filter((n) => onDisk.has(n));
    const unordered = [...onDisk].filter((n) => !ordered.includes(n)).sort();
    const oldestFirst = [...unordered, ...ordered];
    const excess = Math.max(0, oldestFirst.length - keep);
    const doomed = oldestFirst.filter((n) => !protect.includes(n)).slice(0, excess);
    for (const name of doomed) fs.removeTree(fs.join(this.dir, name));
    this.saveOrder(ordered.filter((n) => !doomed.includes(n)));
    return doomed;
  }

  /** The releases in the order they were installed, oldest first. */
  private order(): string[] {
    const text = fs.readText(fs.join(this.dir, ORDER));
    return text === undefined ? [] : (JSON.parse(text) as string[]);
  }

  private saveOrder(names: string[]): void {
    fs.makeDirs(this.dir);
    const path = fs.join(this.dir, ORDER);
    const next = `${path}.next`;
    fs.writeText(next, JSON.stringify(names));
    fs.rename(next, path);
  }
}

/** Refuses a version that cannot name a directory under `releases/` as it is. */
export function checkVersion(version: string): string | undefined {
  if (version === "") return "it is empty";
  if (version.startsWith(".")) return "it starts with `.` (reserved for work in progress)";
  if (/[/\\]/.test(version)) return "it contains a path separator";
  if (/[\u0000-\u001f\u007f]/.test(version)) return "it contains a control character";
  return undefined;
}

/**
 * The directory name for a new release: the version, or the first of `version~2`, `version~3`,
 * ... not `taken`, so no release on disk (the live one, or one kept for `sluice rollback`) is ever
 * overwritten by a deployment that may fail.
 */
export function releaseName(version: string, taken: (name: string) => boolean): string {
  let name = version;
  for (let n = 2; taken(name); n++) name = `${version}~${n}`;
  return name;
}
