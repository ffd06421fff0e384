// Headless Chromium benchmark: the package's browser entry against the plain JavaScript path
// (tests/reference: decode, split, JSON.parse per line, query, summarize) in the same page, on
// the same bytes. Rows are medians of `runs` runs; a result mismatch throws.
//
//   node scripts/bench-browser.mjs [usage.jsonl]      (BENCH_RUNS, default 3)

import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { pathToFileURL } from "node:url";

import { launchChromium } from "../tests/browser/chromium.mjs";
import { median } from "./bench-timing.mjs";

const root = join(import.meta.dirname, "..");
const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
const STEP_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 300_000);

/** tests/reference/usage-reference.mjs without its node:fs part (readUsageRecords), for the page. */
function referenceForBrowser() {
  const text = readFileSync(join(root, "tests", "reference", "usage-reference.mjs"), "utf8");
  const out = text
    .replace(/^import .*["']node:fs["'];\n/m, "")
    .replace(/^export function readUsageRecords\(path\) \{\n[\s\S]*?\n\}\n/m, "");
  if (/node:|readFileSync|readUsageRecords/.test(out) || !/export function summarizeUsageRecords/.test(out)) {
    throw new Error("tests/reference/usage-reference.mjs changed shape; update referenceForBrowser()");
  }
  return out;
}

function startServer(path) {
  const pkg = JSON.parse(readFileSync(join(root, "node-host", "package.json"), "utf8"));
  const entry = `/node-host/${pkg.exports["."].browser.default.replace(/^\.\//, "")}`;
  const reference = referenceForBrowser();
  const size = statSync(path).size;
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/") {
      const importMap = { imports: { "@pie-lab/storage": entry } };
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><script type="importmap">${JSON.stringify(importMap)}</script><body>bench</body>`);
    } else if (url.pathname === "/usage.jsonl") {
      res.writeHead(200, { "content-type": "text/plain", "content-length": size });
      createReadStream(path).pipe(res); // streamed from disk, never held in this process
    } else if (url.pathname === "/reference.mjs") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(reference);
    } else {
      const file = normalize(join(root, decodeURIComponent(url.pathname)));
      let body;
      try {
        if (!file.startsWith(join(root, "node-host") + "/")) throw new Error("outside node-host");
        body = readFileSync(file);
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Rejects after `ms`; `onTimeout` must make `promise` settle (here: closing the page). */
function withTimeout(promise, ms, label, onTimeout) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${label}: no answer after ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A page with the package, the reference and the file's bytes loaded into globalThis.__bench. */
async function openPage(browser, origin) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`[page] ${e}`));
  await page.goto(origin + "/");
  const byteLength = await withTimeout(
    page.evaluate(async () => {
      const [storage, ref] = await Promise.all([import("@pie-lab/storage"), import("/reference.mjs")]);
      const bytes = await (await fetch("/usage.jsonl")).arrayBuffer();
      globalThis.__bench = { storage, ref, bytes };
      return bytes.byteLength;
    }),
    STEP_TIMEOUT_MS,
    "loading the page",
    () => page.close().catch(() => {}),
  );
  return { page, byteLength };
}

/** One timed run of `kind` in the page; returns { ms, json } (json = the stringified summary). */
function step(page, kind, query) {
  const run = page.evaluate(
    async ([kind, query]) => {
      const { storage, ref, bytes } = globalThis.__bench;
      globalThis.gc?.(); // collect the previous run's garbage outside the timed region
      let blob;
      if (kind === "stream") blob = new Blob([bytes]); // copied up front: time the stream, not the copy
      const start = performance.now();
      let result;
      if (kind === "js") {
        const records = new TextDecoder()
          .decode(bytes)
          .split(/\r?\n/)
          .filter((line) => line.trim().length > 0)
          .map((line) => JSON.parse(line));
        result = ref.summarizeUsageRecords(ref.queryUsageRecords(records, query));
      } else if (kind === "bytes") {
        result = storage.summarizeUsageJsonl(new Uint8Array(bytes), query);
      } else {
        result = await storage.summarizeUsageJsonl(blob.stream(), query);
      }
      const ms = performance.now() - start;
      return { ms, json: JSON.stringify(result) };
    },
    [kind, query],
  );
  return withTimeout(run, STEP_TIMEOUT_MS, `${kind} run`, () => page.close().catch(() => {}));
}

export async function benchBrowser({ path, query = {}, runs = 3 }) {
  let server;
  let browser;
  try {
    server = await startServer(path);
    const origin = `http://127.0.0.1:${server.address().port}`;
    // The JS path holds the decoded text plus every parsed record: give V8 room, and expose
    // gc() so one run's garbage is not collected inside the next run's timing.
    browser = await launchChromium(["--js-flags=--max-old-space-size=4096 --expose-gc"]);
    let { page } = await openPage(browser, origin);

    const ms = { js: [], bytes: [], stream: [] };
    const json = { js: [], bytes: [], stream: [] };
    let jsError; // set when the JS path crashes the page or times out; it is then skipped
    for (let i = 0; i < runs; i++) {
      // Alternate the paths so drift (heap growth, thermal, other load) affects all of them.
      for (const kind of ["js", "bytes", "stream"]) {
        if (kind === "js" && jsError) continue;
        try {
          const r = await step(page, kind, query);
          ms[kind].push(r.ms);
          json[kind].push(r.json);
        } catch (error) {
          if (kind !== "js") throw error; // the package must not fail
          jsError = String(error.message ?? error).split("\n")[0].trim();
          await page.close().catch(() => {});
          ({ page } = await openPage(browser, origin)); // a fresh page for the package runs
        }
      }
    }

    const expected = json.js[0];
    if (json.js.some((j) => j !== expected)) throw new Error("the JS path gave different results across runs");
    const rows = [];
    for (const [kind, task] of [
      ["bytes", "browser: summarizeUsageJsonl(bytes)"],
      ["stream", "browser: summarizeUsageJsonl(ReadableStream)"],
    ]) {
      const jsMs = expected === undefined ? null : +median(ms.js).toFixed(2);
      const packageMs = +median(ms[kind]).toFixed(2);
      const equal = expected === undefined ? null : json[kind].every((j) => j === expected);
      if (equal === false) {
        throw new Error(`${task}: the package's summary differs from the JS path's\n  js:  ${expected}\n  pkg: ${json[kind].find((j) => j !== expected)}`);
      }
      const row = { task, jsMs, packageMs, ratio: jsMs === null ? null : +(jsMs / packageMs).toFixed(2), equal };
      if (jsError) row.note = `JS path failed, not compared: ${jsError}`;
      rows.push(row);
    }
    return rows;
  } finally {
    await browser?.close().catch(() => {});
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const path = process.argv[2] ?? "/tmp/pie-storage-bench/usage-200000.jsonl";
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const query = { provider: "anthropic", from: "2026-01-12T00:00:00.000Z" };
  console.log(`${path} (${(statSync(path).size / 1e6).toFixed(1)} MB), ${runs} runs, query ${JSON.stringify(query)}`);
  console.table(await benchBrowser({ path, query, runs }));
}
