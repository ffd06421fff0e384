// The bundler matrix: the packed package (`npm pack` of node-host) installed into small apps
// (tests/bundlers/app) built by Vite 6 and current (build and dev server), esbuild, rollup and
// webpack with their default settings, bundled for a Node server, run under Vitest, required
// from CommonJS and loaded through the slim entry. Pages run in headless Chromium; every result
// must equal what the Node package computes in this process. The bundlers are the root
// package's devDependencies (so `npm install` brings them); each app gets the tarball in its
// own node_modules, and nothing is downloaded while the suite runs.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, relative, sep } from "node:path";
import { after, before, test } from "node:test";

import * as storage from "@pie-lab/storage";
import { launchChromium } from "../browser/chromium.mjs";
import { compute } from "./app/src/compute.js";

const root = join(import.meta.dirname, "..", "..");
const appSource = join(import.meta.dirname, "app");
const nextSource = join(import.meta.dirname, "next"); // laid over the app for the Next.js apps
const modules = join(root, "node_modules");
const TOOLS = {
  vite: join(modules, "vite", "bin", "vite.js"),
  vite6: join(modules, "vite6", "bin", "vite.js"),
  esbuild: join(modules, "esbuild", "bin", "esbuild"), // the native binary (or its Node shim): run as is
  rollup: join(modules, "rollup", "dist", "bin", "rollup"),
  webpack: join(modules, "webpack", "bin", "webpack.js"),
  vitest: join(modules, "vitest", "vitest.mjs"),
  workerd: join(modules, "workerd", "bin", "workerd"), // Cloudflare's Workers runtime (native binary, or its Node shim)
  next: join(modules, "next", "dist", "bin", "next"),
};
const STEP_TIMEOUT = 120_000; // any one build, server start or run
const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".css": "text/css" };

/** What the Node package computes, as the JSON the apps write. */
const expected = JSON.parse(JSON.stringify(compute(storage)));

let temp;
let browser;
const apps = {};
const servers = new Set();

// ---- processes, bounded in time ------------------------------------------------------------

/** Ends a child we spawned (its own process group, so a tool's own children end with it). */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const hard = setTimeout(() => signal("SIGKILL"), 5_000);
  return exited.finally(() => clearTimeout(hard));
}

function spawnTool(command, args, cwd) {
  const executable = command.endsWith(".js") || command.endsWith(".mjs") || command === TOOLS.rollup || command === TOOLS.next;
  return spawn(executable ? process.execPath : command, executable ? [command, ...args] : args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", NODE_OPTIONS: "", NEXT_TELEMETRY_DISABLED: "1" },
  });
}

/** Runs a command to its end within STEP_TIMEOUT; rejects with its output when it fails. */
function run(command, args, cwd) {
  const started = performance.now();
  const child = spawnTool(command, args, cwd);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => stop(child), STEP_TIMEOUT);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = Math.round(performance.now() - started);
      if (code === 0) return resolve({ stdout, stderr, ms });
      const what = signal ? `was ended by ${signal}${ms >= STEP_TIMEOUT ? " (timed out)" : ""}` : `exited with ${code}`;
      reject(new Error(`${[command, ...args].join(" ")} in ${cwd} ${what}\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`));
    });
  });
}

// ---- apps ----------------------------------------------------------------------------------

/**
 * An app folder: the app's sources, a package.json depending on the tarball, the tarball
 * installed by npm from the file (offline: it has no dependencies), and links to the bundler
 * packages its config or test files import (the bundlers themselves run from the root).
 */
async function makeApp(name, tarball, { links = [], page, overlay } = {}) {
  const dir = join(temp, name);
  cpSync(appSource, dir, { recursive: true });
  if (overlay) cpSync(overlay, dir, { recursive: true });
  if (page) {
    const html = join(dir, "index.html");
    writeFileSync(html, readFileSync(html, "utf8").replace("/src/index.js", page));
  }
  const manifest = { name: `pie-bundler-app-${name}`, private: true, type: "module", dependencies: { "@pie-lab/storage": `file:../${tarball}` } };
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], dir);
  for (const pkg of links) {
    const link = join(dir, "node_modules", pkg);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(modules, pkg), link, "dir");
  }
  // The app must get the packed package, not the workspace's.
  const resolved = realpathSync(createRequire(join(dir, "package.json")).resolve("@pie-lab/storage"));
  assert.ok(resolved.startsWith(join(dir, "node_modules") + sep), resolved);
  apps[name] = dir;
}

// ---- serving and reading pages -------------------------------------------------------------

/** A static server on 127.0.0.1 over `dir`, plus `extra` paths mapped to files. */
async function serve(dir, extra = {}) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    const file = extra[path] ?? normalize(join(dir, path === "/" ? "index.html" : path));
    if (!extra[path] && !file.startsWith(dir + sep)) return res.writeHead(404).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.add(server);
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)).finally(() => servers.delete(server)),
  };
}

/** A Node built-in the page's scripts import, or Vite's stand-in for one: the Node entry got in. */
const NODE_ONLY = /["'`](node:[a-z/_]+)|__vite-browser-external/;

/**
 * The page's #result (written by app/src/compute.js `show`), parsed; the page must not throw,
 * and none of its scripts may import a Node built-in (a bundler that picked the Node entry
 * would stub those out, and the page could still work).
 */
async function pageResult(url) {
  const page = await browser.newPage();
  const errors = [];
  const scripts = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") scripts.push(response.text().then((text) => [response.url(), text], () => [response.url(), ""]));
  });
  try {
    await page.goto(url, { timeout: 30_000 });
    const out = await page.waitForSelector("#result[data-done]", { timeout: 30_000 });
    const result = JSON.parse(await out.textContent());
    assert.deepEqual(errors, [], "the page threw");
    const loaded = await Promise.all(scripts);
    assert.ok(loaded.length > 0, "the page loaded its scripts");
    for (const [script, text] of loaded) {
      const found = text.match(NODE_ONLY);
      assert.equal(found, null, `${script} holds Node-only code: ${found?.[0]}`);
    }
    return result;
  } finally {
    await page.close();
  }
}

/** A page over a bundle: `<script type="module">` for ESM output, a classic script otherwise. */
function writePage(outDir, script, { module = true } = {}) {
  const tag = module ? `<script type="module" src="./${script}"></script>` : `<script src="./${script}"></script>`;
  writeFileSync(join(outDir, "index.html"), `<!doctype html><meta charset="utf-8"><body><pre id="result"></pre>${tag}</body>`);
}

async function checkBuiltPage(outDir, extra) {
  const server = await serve(outDir, extra);
  try {
    return await pageResult(server.origin + "/");
  } finally {
    await server.close();
  }
}

function freePort() {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  }));
}

/**
 * A server the tool starts on 127.0.0.1 (`args(port)`), ready when its output holds `ready`
 * (a string or a function of the origin).
 */
async function toolServer(tool, args, dir, ready) {
  const port = await freePort();
  const child = spawnTool(tool, args(port), dir);
  const origin = `http://127.0.0.1:${port}`;
  const marker = typeof ready === "function" ? ready(origin) : ready;
  let output = "";
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${tool} did not start in ${STEP_TIMEOUT} ms:\n${output}`)), STEP_TIMEOUT);
      const onData = (d) => {
        output += d;
        if (output.includes(marker)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (d) => (output += d));
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${tool} exited with ${code}:\n${output}`));
      });
    });
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { origin, output: () => output, close: () => stop(child) };
}

/** `vite` (dev server) on 127.0.0.1 in `dir`, ready when it prints its address. */
function viteDevServer(tool, dir) {
  const args = (port) => ["--host", "127.0.0.1", "--port", String(port), "--strictPort", "--clearScreen", "false"];
  return toolServer(tool, args, dir, (origin) => origin);
}

const NEXT_LINKS = ["next", "react", "react-dom"];

// ---- setup ---------------------------------------------------------------------------------

before(async () => {
  const dist = join(root, "node-host", "dist", "index.js");
  assert.ok(existsSync(dist), "build the package first (npm run build)");
  temp = mkdtempSync(join(tmpdir(), "pie-bundlers-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", temp], { cwd: join(root, "node-host"), encoding: "utf8", timeout: STEP_TIMEOUT }));
  const tarball = packed[0].filename;
  await Promise.all([
    makeApp("vite6", tarball),
    makeApp("vite", tarball),
    makeApp("vite6-slim", tarball, { page: "/src/slim-vite.js" }),
    makeApp("vite-slim", tarball, { page: "/src/slim-vite.js" }),
    makeApp("esbuild", tarball),
    makeApp("rollup", tarball, { links: ["@rollup/plugin-node-resolve"] }),
    makeApp("webpack", tarball),
    makeApp("vitest", tarball, { links: ["vitest"] }),
    makeApp("node", tarball),
    makeApp("workerd", tarball),
    makeApp("next-turbopack", tarball, { links: NEXT_LINKS, overlay: nextSource }),
    makeApp("next-webpack", tarball, { links: NEXT_LINKS, overlay: nextSource }),
  ]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const server of servers) server.close();
  // PIE_BUNDLERS_KEEP=1 keeps the apps and their outputs to look at.
  if (temp && !process.env.PIE_BUNDLERS_KEEP) rmSync(temp, { recursive: true, force: true });
  else if (temp) console.log(`# apps kept in ${temp}`);
});

test("the Node package's result (what every app must reproduce)", () => {
  assert.equal(expected.summary.records, 40);
  assert.ok(expected.summary.byProvider.length > 3);
  assert.equal(expected.recent.length, 3);
  assert.ok(expected.anthropic.records > 0 && expected.anthropic.records < 40);
});

// ---- browser bundles -----------------------------------------------------------------------

for (const [label, tool] of [["Vite 6", "vite6"], ["Vite (current)", "vite"]]) {
  test(`${label} build: the page computes the Node result`, async (t) => {
    const { ms } = await run(TOOLS[tool], ["build"], apps[tool]);
    t.diagnostic(`${tool} build: ${ms} ms`);
    assert.deepEqual(await checkBuiltPage(join(apps[tool], "dist")), expected);
  });

  test(`${label} dev server: the page computes the Node result`, async (t) => {
    const started = performance.now();
    const server = await viteDevServer(TOOLS[tool], apps[tool]);
    try {
      assert.deepEqual(await pageResult(server.origin + "/"), expected);
    } catch (error) {
      error.message += `\n--- dev server output\n${server.output().slice(-4000)}`;
      throw error;
    } finally {
      await server.close();
    }
    t.diagnostic(`${tool} dev server, start to result: ${Math.round(performance.now() - started)} ms`);
  });
}

test("esbuild --bundle --platform=browser --format=esm: the page computes the Node result", async (t) => {
  const dir = apps.esbuild;
  const { ms } = await run(TOOLS.esbuild, ["src/index.js", "--bundle", "--platform=browser", "--format=esm", "--outfile=dist/index.js"], dir);
  t.diagnostic(`esbuild: ${ms} ms`);
  writePage(join(dir, "dist"), "index.js");
  assert.deepEqual(await checkBuiltPage(join(dir, "dist")), expected);
});

test("rollup with @rollup/plugin-node-resolve (browser: true): the page computes the Node result", async (t) => {
  const dir = apps.rollup;
  const { ms } = await run(TOOLS.rollup, ["-c"], dir);
  t.diagnostic(`rollup: ${ms} ms`);
  writePage(join(dir, "dist"), "index.js");
  assert.deepEqual(await checkBuiltPage(join(dir, "dist")), expected);
});

test("webpack 5 (no config, production): the page computes the Node result", async (t) => {
  const dir = apps.webpack;
  const { ms } = await run(TOOLS.webpack, ["--mode", "production"], dir);
  t.diagnostic(`webpack: ${ms} ms`);
  writePage(join(dir, "dist"), "main.js", { module: false });
  assert.deepEqual(await checkBuiltPage(join(dir, "dist")), expected);
});

test("the slim entry in a page: init() with the served .wasm file's URL", async (t) => {
  const dir = apps.esbuild;
  const { ms } = await run(TOOLS.esbuild, ["src/slim.js", "--bundle", "--platform=browser", "--format=esm", "--outfile=dist-slim/index.js"], dir);
  t.diagnostic(`esbuild (slim): ${ms} ms`);
  const out = join(dir, "dist-slim");
  writePage(out, "index.js");
  const bundle = readFileSync(join(out, "index.js"), "utf8");
  assert.ok(bundle.length < 300_000, `the slim bundle has no wasm bytes (${bundle.length} bytes)`);
  const wasmFile = createRequire(join(dir, "package.json")).resolve("@pie-lab/storage/wasm");
  const served = { "/pie_storage_wasm_bg.wasm": wasmFile };
  assert.deepEqual(await checkBuiltPage(out, served), { before: "PIE_NOT_INITIALIZED", ...expected });
});

for (const [label, tool] of [["Vite 6", "vite6"], ["Vite (current)", "vite"]]) {
  test(`${label} build, the slim entry with init() of the .wasm file's "?url"`, async (t) => {
    const dir = apps[`${tool}-slim`];
    const { ms } = await run(TOOLS[tool], ["build"], dir);
    t.diagnostic(`${tool} build (slim): ${ms} ms`);
    const assets = readdirSync(join(dir, "dist", "assets"));
    assert.ok(assets.some((name) => name.endsWith(".wasm")), `Vite emitted the .wasm file: ${assets}`);
    assert.deepEqual(await checkBuiltPage(join(dir, "dist")), { before: "PIE_NOT_INITIALIZED", ...expected });
  });
}

// ---- an edge runtime ----------------------------------------------------------------------

/**
 * The workers bundled as a Workers bundler does (esbuild, the "workerd" and "worker"
 * conditions, the `.wasm` import left to the runtime as a compiled wasm module), served by
 * workerd on 127.0.0.1.
 */
test("Cloudflare workerd: the slim entry with init() of the imported .wasm module works; the default entry fails with PIE_WASM_LOAD_FAILED", async (t) => {
  const dir = apps.workerd;
  for (const name of ["worker-slim", "worker-default"]) {
    const { ms } = await run(TOOLS.esbuild, [`src/${name}.js`, "--bundle", "--format=esm", "--conditions=workerd,worker", "--external:@pie-lab/storage/wasm", `--outfile=dist/${name}.js`], dir);
    t.diagnostic(`esbuild (${name}): ${ms} ms`);
  }
  const [slimPort, defaultPort] = [await freePort(), await freePort()];
  const wasmFile = createRequire(join(dir, "package.json")).resolve("@pie-lab/storage/wasm");
  const worker = (name) => `(
    modules = [
      (name = "${name}.js", esModule = embed "dist/${name}.js"),
      (name = "@pie-lab/storage/wasm", wasm = embed ${JSON.stringify(relative(dir, wasmFile))}),
    ],
    compatibilityDate = "2025-01-01",
  )`;
  writeFileSync(join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "slim", worker = ${worker("worker-slim")}), (name = "default", worker = ${worker("worker-default")}) ],
  sockets = [
    (name = "slim", address = "127.0.0.1:${slimPort}", http = (), service = "slim"),
    (name = "default", address = "127.0.0.1:${defaultPort}", http = (), service = "default"),
  ],
);
`);
  const started = performance.now();
  const child = spawnTool(TOOLS.workerd, ["serve", "config.capnp"], dir);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const get = async (port) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) })).json();
      } catch (error) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`workerd did not answer: ${error.message}\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  try {
    assert.deepEqual(await get(slimPort), { before: "PIE_NOT_INITIALIZED", ...expected });
    const failed = await get(defaultPort);
    assert.equal(failed.code, "PIE_WASM_LOAD_FAILED", JSON.stringify(failed));
    assert.match(failed.message, /@pie-lab\/storage\/slim/);
  } finally {
    await stop(child);
  }
  t.diagnostic(`workerd, start to both answers: ${Math.round(performance.now() - started)} ms`);
});

// ---- Node ----------------------------------------------------------------------------------

/** The server app run unbundled by Node (what its bundles must print). */
let serverReference;
async function unbundledServer() {
  if (!serverReference) {
    serverReference = JSON.parse((await run(process.execPath, ["src/server.js"], apps.node)).stdout);
    const { store, storeAnthropic, storeRecent, ...computed } = serverReference;
    assert.deepEqual(computed, expected);
    assert.deepEqual(store, expected.newestFirst);
    assert.deepEqual(storeAnthropic, expected.anthropic);
    assert.deepEqual(storeRecent, expected.recent);
  }
  return serverReference;
}

test("the server app unbundled on Node: the file store agrees with the pure functions", async () => {
  await unbundledServer();
});

const serverBundles = [
  ["esbuild --bundle --platform=node --format=esm", TOOLS.esbuild, ["src/server.js", "--bundle", "--platform=node", "--format=esm", "--outfile=dist-node/server.mjs"], "dist-node/server.mjs", "esbuild"],
  ["esbuild --bundle --platform=node --format=cjs", TOOLS.esbuild, ["src/server.js", "--bundle", "--platform=node", "--format=cjs", "--outfile=dist-node/server.cjs"], "dist-node/server.cjs", "esbuild"],
  ["webpack --target node", TOOLS.webpack, ["--mode", "production", "--target", "node", "--entry", "./src/server.js", "--output-path", "dist-node"], "dist-node/main.js", "webpack"],
];
for (const [label, tool, args, output, app] of serverBundles) {
  test(`Node server bundle, ${label} (the package bundled, not external): same result`, async (t) => {
    const dir = apps[app];
    const { ms } = await run(tool, args, dir);
    t.diagnostic(`${label}: ${ms} ms`);
    // Run from a folder with no node_modules: the package is in the bundle, not imported.
    const alone = join(temp, `alone-${app}-${extname(output).slice(1)}`);
    mkdirSync(alone);
    cpSync(join(dir, output), join(alone, output.split("/").pop()));
    if (output.endsWith(".js")) writeFileSync(join(alone, "package.json"), JSON.stringify({ type: "commonjs" }));
    const result = JSON.parse((await run(process.execPath, [join(alone, output.split("/").pop())], alone)).stdout);
    assert.deepEqual(result, await unbundledServer());
  });
}

// ---- Next.js -------------------------------------------------------------------------------

/**
 * A Next.js app (tests/bundlers/next over the app) built by Turbopack (the default) and by
 * webpack, then served by `next start`: the page is a client component (the browser entry in
 * the client bundle), the route handler uses the file store (the Node entry in the server bundle).
 */
for (const [label, app, buildArgs] of [["Turbopack", "next-turbopack", ["build"]], ["webpack", "next-webpack", ["build", "--webpack"]]]) {
  test(`Next.js (${label}) build: the client page and the route handler compute the Node results`, async (t) => {
    const dir = apps[app];
    const { ms } = await run(TOOLS.next, buildArgs, dir);
    t.diagnostic(`next ${buildArgs.join(" ")}: ${ms} ms`);
    const server = await toolServer(TOOLS.next, (port) => ["start", "-H", "127.0.0.1", "-p", String(port)], dir, "Ready");
    try {
      assert.deepEqual(await pageResult(server.origin + "/"), expected);
      const response = await fetch(server.origin + "/api/result", { signal: AbortSignal.timeout(30_000) });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), await unbundledServer());
    } catch (error) {
      error.message += `\n--- next start output\n${server.output().slice(-4000)}`;
      throw error;
    } finally {
      await server.close();
    }
  });
}

test("Vitest (no config) imports the package", async (t) => {
  const dir = apps.vitest;
  const { ms } = await run(TOOLS.vitest, ["run"], dir);
  t.diagnostic(`vitest run: ${ms} ms`);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "vitest-result.json"), "utf8")), expected);
});

test('CommonJS: require("@pie-lab/storage") and require("@pie-lab/storage/browser") (require(esm))', async () => {
  const script = `
    const node = require("@pie-lab/storage");
    const browser = require("@pie-lab/storage/browser");
    const { compute } = require("./src/compute.js");
    console.log(JSON.stringify({
      node: compute(node),
      browser: compute(browser),
      nodeFileStore: typeof node.createJsonlUsageStore,
      browserFileStore: typeof browser.createJsonlUsageStore,
      resolved: require.resolve("@pie-lab/storage"),
    }));`;
  const result = JSON.parse((await run(process.execPath, ["-e", script], apps.node)).stdout);
  assert.deepEqual(result.node, expected);
  assert.deepEqual(result.browser, expected);
  assert.equal(result.nodeFileStore, "function");
  assert.equal(result.browserFileStore, "undefined");
  assert.ok(result.resolved.startsWith(join(apps.node, "node_modules")), result.resolved);
});

test('the slim entry in Node: initSync() with the bytes of require.resolve("@pie-lab/storage/wasm")', async () => {
  const script = `
    import { readFileSync } from "node:fs";
    import { createRequire } from "node:module";
    import * as slim from "@pie-lab/storage/slim";
    import { compute } from "./src/compute.js";
    const require = createRequire(process.cwd() + "/");
    let before;
    try { slim.summarizeUsageRecords([]); } catch (error) { before = error.code; }
    slim.initSync(readFileSync(require.resolve("@pie-lab/storage/wasm")));
    console.log(JSON.stringify({ before, ...compute(slim) }));`;
  const result = JSON.parse((await run(process.execPath, ["--input-type=module", "-e", script], apps.node)).stdout);
  assert.deepEqual(result, { before: "PIE_NOT_INITIALIZED", ...expected });
});
