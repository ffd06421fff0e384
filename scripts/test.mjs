// `npm test`: install what is missing, build, then run the Rust, Node, browser and bundler suites.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "./build.mjs";
import { ensureChromium, log, root, run } from "./lib.mjs";

function testFiles(folder) {
  return readdirSync(join(root, folder))
    .filter((f) => f.endsWith(".test.mjs"))
    .sort()
    .map((f) => join(root, folder, f));
}

build();
ensureChromium();

log("Rust suite (core with the fs feature, wasm glue)");
run("cargo", ["test", "--workspace", "--features", "pie-storage-core/fs"]);

log("Crate packaging (cargo publish --dry-run: the packaged crate builds on its own)");
run("cargo", ["publish", "--dry-run", "--allow-dirty", "-p", "pie-storage-core"]);

log("Type tests (tsc --strict on the published .d.ts: a Node project, a browser project, the glue check)");
for (const project of ["", "browser", "glue"]) run("npx", ["tsc", "-p", join(root, "tests", "types", project)]);

log("Node suite (built package, real files, several processes)");
run(process.execPath, ["--test", "--test-concurrency=1", ...testFiles("tests/node")]);

log("Browser suite (headless Chromium)");
run(process.execPath, ["--test", ...testFiles("tests/browser")]);

log("Bundler suite (the packed package built by Vite, esbuild, rollup, webpack and Next.js, bundled for Node, under Vitest and workerd, from CommonJS)");
run(process.execPath, ["--test", ...testFiles("tests/bundlers")]);

log("all suites passed");
