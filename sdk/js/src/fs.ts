// Files in the directories the plan grants (`files`), over `wasi:filesystem`: componentize-js
// gives JavaScript no file API of its own. Paths are guest paths (`/www/releases/v1`), resolved
// against the preopen they fall under. Import only when the plugin's world imports
// `wasi:filesystem/preopens@0.2.12`.

import { getDirectories } from "wasi:filesystem/preopens@0.2.12";
import type { Descriptor, DescriptorType } from "wasi:filesystem/types@0.2.12";
import { asSluiceError, doing, Failed } from "./errors.js";

const CHUNK = 64 * 1024;

/** The symbol the bindings' resources release their host handle on (the host caps open ones). */
const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for("dispose");

/** Runs `use` on the resource `resource`, then releases it. */
function using<R extends object, T>(resource: R, use: (resource: R) => T): T {
  try {
    return use(resource);
  } finally {
    (resource as Record<symbol, () => void>)[DISPOSE]();
  }
}

/** The preopened directories, asked for once per instance (each ask opens new handles). */
let preopens: [Descriptor, string][] | undefined;

/** One entry of a directory. */
export interface Entry {
  name: string;
  type: DescriptorType;
}

/** The preopened directory holding `path`, and `path` relative to it. */
function locate(path: string): [Descriptor, string] {
  if (!path.startsWith("/")) {
    throw new Failed(`${path} is not an absolute guest path`);
  }
  let best: [Descriptor, string] | undefined;
  let bestLength = -1;
  preopens ??= getDirectories();
  for (const [dir, mount] of preopens) {
    const root = mount.replace(/\/+$/, "");
    if ((path === root || path.startsWith(`${root}/`)) && root.length > bestLength) {
      best = [dir, path.slice(root.length + 1) || "."];
      bestLength = root.length;
    }
  }
  if (!best) {
    throw new Failed(`${path} is under no directory the plan grants`);
  }
  return best;
}

/** `a/b` joined the way guest paths are. */
export function join(...parts: string[]): string {
  return parts.join("/").replace(/\/+/g, "/");
}

/** What is at `path` without following a symlink there, or undefined when nothing is. */
export function typeOf(path: string): DescriptorType | undefined {
  const [dir, rel] = locate(path);
  try {
    return dir.statAt({}, rel).type;
  } catch (thrown) {
    if ((thrown as { payload?: unknown }).payload === "no-entry") return undefined;
    throw asSluiceError(thrown, `inspecting ${path}`);
  }
}

/** The entries of the directory `path` (none when it does not exist). */
export function entries(path: string): Entry[] {
  if (typeOf(path) === undefined) return [];
  return doing(`reading ${path}`, () => {
    const [dir, rel] = locate(path);
    const opened = dir.openAt({}, rel, { directory: true }, { read: true });
    return using(opened, (handle) =>
      using(handle.readDirectory(), (stream) => {
        const found: Entry[] = [];
        for (let entry = stream.readDirectoryEntry(); entry; entry = stream.readDirectoryEntry()) {
          found.push({ name: entry.name, type: entry.type });
        }
        return found;
      }),
    );
  });
}

/** Creates the directory `path` and its missing parents. */
export function makeDirs(path: string): void {
  const [dir, rel] = locate(path);
  let sofar = "";
  for (const part of rel.split("/").filter((p) => p && p !== ".")) {
    sofar = sofar ? `${sofar}/${part}` : part;
    const here = sofar;
    doing(`creating ${path}`, () => {
      try {
        dir.createDirectoryAt(here);
      } catch (thrown) {
        if ((thrown as { payload?: unknown }).payload !== "exist") throw thrown;
      }
    });
  }
}

/** The whole file `path`. */
export function readBytes(path: string): Uint8Array {
  return doing(`reading ${path}`, () => {
    const [dir, rel] = locate(path);
    const chunks: Uint8Array[] = [];
    let offset = 0n;
    using(dir.openAt({}, rel, {}, { read: true }), (file) => {
      for (;;) {
        const [chunk, end] = file.read(BigInt(CHUNK), offset);
        chunks.push(chunk);
        offset += BigInt(chunk.length);
        if (end || chunk.length === 0) break;
      }
    });
    const all = new Uint8Array(Number(offset));
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  });
}

/** The file `path` as UTF-8 text, or undefined when it does not exist. */
export function readText(path: string): string | undefined {
  if (typeOf(path) === undefined) return undefined;
  return new TextDecoder().decode(readBytes(path));
}

/** Writes `content` to the file `path`, replacing it. */
export function writeBytes(path: string, content: Uint8Array): void {
  doing(`writing ${path}`, () => {
    const [dir, rel] = locate(path);
    using(dir.openAt({}, rel, { create: true, truncate: true }, { write: true }), (file) => {
      let offset = 0;
      while (offset < content.length) {
        const chunk = content.subarray(offset, offset + CHUNK);
        offset += Number(file.write(chunk, BigInt(offset)));
      }
    });
  });
}

/** Writes `text` as UTF-8 to the file `path`, replacing it. */
export function writeText(path: string, text: string): void {
  writeBytes(path, new TextEncoder().encode(text));
}

/** Copies the tree at `from` to `to`, which must not exist; returns its files and bytes. */
export function copyTree(from: string, to: string): { files: number; bytes: number } {
  const counts = { files: 0, bytes: 0 };
  const [toDir, toRel] = locate(to);
  doing(`creating ${to}`, () => toDir.createDirectoryAt(toRel));
  for (const entry of entries(from)) {
    const [source, dest] = [join(from, entry.name), join(to, entry.name)];
    if (entry.type === "directory") {
      const inner = copyTree(source, dest);
      counts.files += inner.files;
      counts.bytes += inner.bytes;
    } else if (entry.type === "regular-file") {
      const content = readBytes(source);
      writeBytes(dest, content);
      counts.files += 1;
      counts.bytes += content.length;
    } else {
      throw new Failed(`${source} is a ${entry.type}: only files and directories are copied`);
    }
  }
  return counts;
}

/** Removes `path` and everything under it; nothing when it does not exist. */
export function removeTree(path: string): void {
  const type = typeOf(path);
  if (type === undefined) return;
  const [dir, rel] = locate(path);
  if (type === "directory") {
    for (const entry of entries(path)) removeTree(join(path, entry.name));
    doing(`removing ${path}`, () => dir.removeDirectoryAt(rel));
  } else {
    doing(`removing ${path}`, () => dir.unlinkFileAt(rel));
  }
}

/** Renames `from` to `to` in one step, replacing `to` (both under the same granted directory). */
export function rename(from: string, to: string): void {
  const [dir, relFrom] = locate(from);
  const [toDir, relTo] = locate(to);
  doing(`renaming ${from} to ${to}`, () => dir.renameAt(relFrom, toDir, relTo));
}

/** Creates the symlink `link` whose content is `target` (relative to the link's directory). */
export function symlink(target: string, link: string): void {
  const [dir, rel] = locate(link);
  doing(`creating the link ${link}`, () => dir.symlinkAt(target, rel));
}

/** The content of the symlink `link`. */
export function readLink(link: string): string {
  const [dir, rel] = locate(link);
  return doing(`reading the link ${link}`, () => dir.readlinkAt(rel));
}
