// `npm run build`: the wasm core for Node and browsers, optimized, plus the TypeScript package.

import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { log, root, run, setupBuild, wasmBindgenBinary } from "./lib.mjs";

export function build() {
  setupBuild();
  log("building the wasm core (wasm-release profile)");
  run("cargo", ["build", "-p", "pie-storage-wasm", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"]);
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  const input = join(targetDir, "wasm32-unknown-unknown", "wasm-release", "pie_storage_wasm.wasm");
  const wasmOpt = join(root, "node_modules", "binaryen", "bin", "wasm-opt");
  for (const target of ["nodejs", "web"]) {
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
  log("compiling the TypeScript package");
  run("npx", ["tsc", "-p", join(root, "node-host", "tsconfig.json")]);
  chmodSync(join(root, "node-host", "dist", "cli.js"), 0o755);
  log("build done");
}

if (import.meta.url === `file://${process.argv[1]}`) build();
