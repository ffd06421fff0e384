// Which declarations each condition of the package gives a project: the browser and worker
// conditions and "./browser" get the browser entry's own .d.ts, and no declaration a browser or
// edge project loads names Node (`node:` modules, @types/node) or wasm-bindgen's generated glue
// (whose `[Symbol.dispose]` needs a lib such projects lack). No published declaration imports
// the glue at all: the package declares what it calls in core-api.ts.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const pkgDir = join(root, "node-host");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));

/** The declaration files a .d.ts reaches through its relative imports, itself included. */
function declarationChain(entry) {
  const seen = new Map();
  const visit = (file) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    seen.set(file, text);
    const specifiers = [
      ...text.matchAll(/\bfrom\s+["']([^"']+)["']/g),
      ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
      ...text.matchAll(/^\s*import\s+["']([^"']+)["']/gm),
    ].map((m) => m[1]);
    for (const spec of specifiers) {
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, ".d.ts"));
      assert.ok(existsSync(target), `${relative(root, file)} imports ${spec}, which has no declaration`);
      visit(target);
    }
  };
  visit(join(pkgDir, entry));
  return seen;
}

/** The declaration file a project with `conditions` is given for `target` (the first match). */
function typesOf(target, conditions) {
  if (typeof target === "string") return target.endsWith(".d.ts") ? target : undefined;
  for (const [key, value] of Object.entries(target)) {
    if (key !== "types" && key !== "default" && !conditions.includes(key)) continue;
    const found = typesOf(value, conditions);
    if (found) return found;
  }
  return undefined;
}

test("each condition of the exports map has its own declarations", () => {
  const main = pkg.exports["."];
  assert.equal(typesOf(main, ["browser"]), "./dist/browser.d.ts");
  assert.equal(typesOf(main, ["worker"]), "./dist/browser.d.ts");
  assert.equal(typesOf(main, ["node"]), "./dist/index.d.ts");
  assert.equal(typesOf(main, []), "./dist/index.d.ts");
  assert.equal(typesOf(pkg.exports["./browser"], []), "./dist/browser.d.ts");
  assert.equal(typesOf(pkg.exports["./slim"], []), "./dist/slim.d.ts");
  // Runtime resolution is unchanged by the nested conditions.
  assert.equal(main.browser.default, "./dist/browser.js");
  assert.equal(main.node.default, "./dist/index.js");
});

test("no published declaration imports the generated glue; browser ones name no Node module", () => {
  for (const entry of ["dist/index.d.ts", "dist/browser.d.ts", "dist/slim.d.ts"]) {
    const browserSide = entry !== "dist/index.d.ts";
    for (const [file, text] of declarationChain(entry)) {
      const name = relative(pkgDir, file);
      assert.ok(!name.startsWith("wasm"), `${entry} reaches ${name}`);
      assert.doesNotMatch(text, /pie_storage_wasm(\.js|\.d\.ts)?["']/, `${name} (from ${entry}) imports the glue`);
      if (browserSide) {
        assert.doesNotMatch(text, /["']node:|reference\s+types=["']node["']/, `${name} (from ${entry}) names Node`);
      }
    }
  }
  const browserChain = [...declarationChain("dist/browser.d.ts").keys()].map((f) => relative(pkgDir, f));
  for (const nodeOnly of ["dist/index.d.ts", "dist/node-storage.d.ts", "dist/jsonl-store.d.ts", "dist/json-connection-store.d.ts"]) {
    assert.ok(!browserChain.includes(nodeOnly), `the browser declarations reach ${nodeOnly}`);
  }
});

test("the browser type-test project loads neither @types/node nor the glue's declarations", () => {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const files = execFileSync(process.execPath, [tsc, "-p", join(root, "tests", "types", "browser"), "--listFilesOnly"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean)
    .map((f) => relative(root, f));
  assert.ok(files.includes("node-host/dist/browser.d.ts"), files.join("\n"));
  assert.ok(!files.includes("node-host/dist/index.d.ts"), "the browser project sees the Node entry");
  const offending = files.filter((f) => f.includes("@types/node") || f.startsWith("node-host/wasm/"));
  assert.deepEqual(offending, []);
});
