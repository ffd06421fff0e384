// `npm run build`: the wasm core for Node and browsers, optimized, plus the TypeScript package.

import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { log, pinnedWasmBindgen, root, run, setupBuild, wasmBindgenBinary } from "./lib.mjs";

/**
 * What the wasm outputs are made from: the compiled module, the tool versions and flags, and
 * this script. Equal to the stamp saved beside the outputs means there is nothing to redo.
 */
function wasmStamp(input) {
  const hash = createHash("sha256");
  hash.update(readFileSync(input));
  hash.update(readFileSync(new URL(import.meta.url)));
  hash.update(`${pinnedWasmBindgen()} ${process.env.PIE_WASM_NAMES ?? ""}`);
  return hash.digest("hex");
}

export function build() {
  setupBuild();
  log("building the wasm core (wasm-release profile)");
  run("cargo", ["build", "-p", "pie-storage-wasm", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"]);
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  const input = join(targetDir, "wasm32-unknown-unknown", "wasm-release", "pie_storage_wasm.wasm");
  const wasmOpt = join(root, "node_modules", "binaryen", "bin", "wasm-opt");
  // Kept in the target folder, out of the package; the outputs must still be there too.
  const stampFile = join(targetDir, "pie-wasm-outputs.stamp");
  const stamp = wasmStamp(input);
  const outputs = ["node", "web"].map((dir) => join(root, "node-host", "wasm", dir, "pie_storage_wasm_bg.wasm"));
  const built = outputs.every(existsSync) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp;
  for (const target of built ? [] : ["nodejs", "web"]) {
    const out = join(root, "node-host", "wasm", target === "nodejs" ? "node" : "web");
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    run(wasmBindgenBinary(), ["--target", target, "--out-dir", out, input]);
    const wasmFile = join(out, "pie_storage_wasm_bg.wasm");
    run(wasmOpt, [
      "-O3",
      // PIE_WASM_NAMES=1 keeps function names, for profiles (node --cpu-prof).
      ...(process.env.PIE_WASM_NAMES ? ["-g"] : []),
      "--enable-bulk-memory",
      "--enable-nontrapping-float-to-int",
      "--enable-sign-ext",
      "--enable-mutable-globals",
      "--enable-reference-types",
      "--enable-multivalue",
      "--enable-simd",
      wasmFile,
      "-o",
      wasmFile,
    ]);
    // wasm-bindgen's nodejs output is CommonJS inside an ESM package.
    if (target === "nodejs") writeFileSync(join(out, "package.json"), '{ "type": "commonjs" }\n');
  }
  if (built) log("the wasm outputs are up to date");
  else writeFileSync(stampFile, stamp);
  log("compiling the TypeScript package");
  // Incremental: an unchanged package is checked from its build info, not recompiled (the
  // build info is dropped when the outputs are gone, since tsc would not notice).
  const buildInfo = join(targetDir, "node-host.tsbuildinfo");
  if (!existsSync(join(root, "node-host", "dist", "index.js"))) rmSync(buildInfo, { force: true });
  run("npx", ["tsc", "-p", join(root, "node-host", "tsconfig.json"), "--incremental", "--tsBuildInfoFile", buildInfo]);
  chmodSync(join(root, "node-host", "dist", "cli.js"), 0o755);
  log("build done");
}

if (import.meta.url === `file://${process.argv[1]}`) build();
