#!/usr/bin/env node
// Runs the JS SDK's own tests natively: bundles each `*.test.ts` here with the pinned esbuild
// (build/npm-js, as scripts/ensure-js-toolchain.sh installs it) and runs them with `node --test`.
// Exits non-zero when a test fails.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const toolchain = resolve(process.env.SLUICE_JS_TOOLCHAIN ?? join(here, "../../../build/npm-js"));
const { build } = await import(pathToFileURL(join(toolchain, "node_modules/esbuild/lib/main.js")).href);

const work = mkdtempSync(join(tmpdir(), "sluice-js-tests-"));
try {
  const tests = readdirSync(here).filter((name) => name.endsWith(".test.ts"));
  const bundles = [];
  for (const name of tests) {
    const outfile = join(work, name.replace(/\.ts$/, ".mjs"));
    await build({ entryPoints: [join(here, name)], bundle: true, platform: "node", format: "esm", outfile, logLevel: "warning" });
    bundles.push(outfile);
  }
  execFileSync(process.execPath, ["--test", ...bundles], { stdio: "inherit" });
} catch (error) {
  process.exitCode = 1;
  if (error.status === undefined) console.error(error);
} finally {
  rmSync(work, { recursive: true, force: true });
}
