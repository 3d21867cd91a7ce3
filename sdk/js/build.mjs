#!/usr/bin/env node
// Builds a TypeScript (or JavaScript) strategy plugin into a WebAssembly component.
//
//   node sdk/js/build.mjs [--fetch] PLUGIN_DIR OUTPUT.wasm
//
// PLUGIN_DIR holds `src/plugin.ts` (the module that ends with
// `export const strategy = exportStrategy(...)`) and `wit/world.wit`, the plugin's own world
// `plugin`, which imports only what the plugin calls: sluice refuses imports the plan does not
// grant, and componentize-js imports every interface of the world it is given, used or not.
//
// Steps, in a scratch directory: assemble the WIT (the plugin's world, the sluice:deploy package,
// the WASI filesystem packages in sdk/js/wit/deps); generate the TypeScript declarations of every
// interface with `jco types`; type-check the plugin and the SDK with `tsc`; bundle them into one
// ES module with esbuild (`@sluice/sdk` resolved to this SDK, WIT imports left to the component);
// componentize it with componentize-js's own CLI, `-d fetch-event` (no incoming requests), and
// also `-d http` unless `--fetch` is given. With `--fetch`, `fetch()` works and the component
// imports `wasi:http/outgoing-handler` and `wasi:http/types`, which sluice answers through the
// `http` capability: the plan must grant the plugin `http` (its origins), as for
// `sluice:deploy/http`. Without it, the component imports no `wasi:http` and `fetch()` is absent.
//
// Environment:
//   SLUICE_WIT           the sluice:deploy WIT directory (default: the wit/ two levels up)
//   SLUICE_JS_TOOLCHAIN  the directory whose node_modules holds componentize-js, jco, typescript
//                        and esbuild (default: build/npm-js two levels up, where
//                        scripts/ensure-js-toolchain.sh installs the pinned versions)

import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const withFetch = args.includes("--fetch");
const [pluginArg, outArg, ...extra] = args.filter((arg) => arg !== "--fetch");
if (!pluginArg || !outArg || extra.length > 0) {
  console.error("usage: node sdk/js/build.mjs [--fetch] PLUGIN_DIR OUTPUT.wasm");
  process.exit(2);
}
const sdk = dirname(fileURLToPath(import.meta.url));
const plugin = resolve(pluginArg);
const out = resolve(outArg);
const sluiceWit = resolve(process.env.SLUICE_WIT ?? join(sdk, "../../wit"));
const toolchain = resolve(process.env.SLUICE_JS_TOOLCHAIN ?? join(sdk, "../../build/npm-js"));
const modules = join(toolchain, "node_modules");

const work = mkdtempSync(join(tmpdir(), "sluice-js-build-"));
try {
  /** A WIT directory: `world` as its root package, the sluice and WASI packages as deps. */
  const witDir = (name, world) => {
    const dir = join(work, name);
    mkdirSync(join(dir, "deps"), { recursive: true });
    cpSync(world, join(dir, "world.wit"));
    cpSync(sluiceWit, join(dir, "deps/sluice-deploy"), { recursive: true });
    cpSync(join(sdk, "wit/deps"), join(dir, "deps"), { recursive: true });
    rmSync(join(dir, "deps/README.md"));
    return dir;
  };
  const node = (script, args) =>
    execFileSync(process.execPath, [join(modules, script), ...args], { stdio: "inherit" });

  const types = join(work, "types");
  node("@bytecodealliance/jco/src/jco.js", ["types", witDir("sdk-wit", join(sdk, "wit/sdk.wit")),
    "--world-name", "sdk", "-o", types, "--quiet"]);
  writeFileSync(join(work, "tsconfig.json"), JSON.stringify(tsconfig(types), null, 2));
  node("typescript/bin/tsc", ["-p", join(work, "tsconfig.json")]);

  const { build } = await import(pathToFileURL(join(modules, "esbuild/lib/main.js")).href);
  const bundle = join(work, "plugin.js");
  await build({
    entryPoints: [join(plugin, "src/plugin.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outfile: bundle,
    external: ["sluice:*", "wasi:*"],
    alias: { "@sluice/sdk": join(sdk, "src") },
    logLevel: "warning",
  });

  const disable = ["-d", "fetch-event", ...(withFetch ? [] : ["http"])];
  node("@bytecodealliance/componentize-js/src/cli.js", [bundle, "--wit",
    witDir("wit", join(plugin, "wit/world.wit")), "--world-name", "plugin", ...disable, "-o", out]);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Strict type-checking of the plugin and the SDK against the generated declarations. */
function tsconfig(types) {
  const paths = { "@sluice/sdk": [join(sdk, "src/index.ts")], "@sluice/sdk/*": [join(sdk, "src/*.ts")] };
  const interfaces = {
    "sluice:deploy": ["types", "log", "secrets", "http", "containers", "sql", "plan-notes", "strategy"],
    "wasi:filesystem": ["types", "preopens"],
    "wasi:io": ["error", "poll", "streams"],
    "wasi:clocks": ["wall-clock"],
  };
  for (const [pkg, names] of Object.entries(interfaces)) {
    const version = pkg.startsWith("sluice") ? "0.1.4" : "0.2.12";
    for (const name of names) {
      const file = `${pkg.replace(":", "-")}-${name}.d.ts`;
      paths[`${pkg}/${name}@${version}`] = [join(types, "interfaces", file)];
    }
  }
  return {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "es2022",
      module: "esnext",
      moduleResolution: "bundler",
      allowImportingTsExtensions: true,
      lib: ["es2022"],
      types: [],
      paths,
    },
    include: [join(plugin, "src/**/*.ts"), join(sdk, "src/*.ts")],
  };
}
