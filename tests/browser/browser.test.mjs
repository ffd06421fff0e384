// Headless Chromium loads the package's browser entry from a static server on 127.0.0.1 and
// computes the same summaries as Node.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";

import { launchChromium } from "./chromium.mjs";

import { queryUsageRecords, summarizeUsageRecords } from "@pie-lab/storage";
import { generateUsageRecords, toJsonl } from "../../node-host/dist/demo.js";

const root = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "node-host", "package.json"), "utf8"));
const browserEntry = pkg.exports["."].browser.default; // the file the "browser" condition selects

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".jsonl": "text/plain" };
const records = generateUsageRecords(5000, 3);
const jsonl = toJsonl(records);

let server;
let browser;
let origin;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/") {
      const importMap = { imports: { "@pie-lab/storage": `/node-host/${browserEntry.replace(/^\.\//, "")}` } };
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><script type="importmap">${JSON.stringify(importMap)}</script><body>pie-storage</body>`);
      return;
    }
    if (url.pathname === "/usage.jsonl") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(jsonl);
      return;
    }
    const file = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(join(root, "node-host"))) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test("the browser condition of the package's exports selects the browser entry", () => {
  const resolved = execFileSync(
    process.execPath,
    ["--conditions=browser", "--input-type=module", "-e", "console.log(import.meta.resolve('@pie-lab/storage'))"],
    { cwd: root, encoding: "utf8" },
  ).trim();
  assert.ok(resolved.endsWith("/node-host/dist/browser.js"), resolved);
});

test("Chromium computes the same summaries as Node from the browser entry", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(origin + "/");
  const result = await page.evaluate(async () => {
    const storage = await import("@pie-lab/storage");
    const text = await (await fetch("/usage.jsonl")).text();
    const bytes = new Uint8Array(await (await fetch("/usage.jsonl")).arrayBuffer());
    const records = text.trim().split("\n").map((line) => JSON.parse(line));
    return {
      fromJsonlText: storage.summarizeUsageJsonl(text, { provider: "anthropic" }),
      fromJsonlBytes: storage.summarizeUsageJsonl(bytes),
      fromRecords: storage.summarizeUsageRecords(records),
      recent: storage.queryUsageRecords(records, { limit: 5 }).map((r) => r.id),
      // Streaming: a fetch body, and a Blob stream, never held whole by the package.
      fromFetchStream: await storage.summarizeUsageJsonl((await fetch("/usage.jsonl")).body, { provider: "anthropic" }),
      fromBlobStream: await storage.summarizeUsageJsonlDetailed(new Blob([bytes]).stream()),
      id: storage.createUsageRecordId("request"),
      hasFileStore: "JsonlUsageStore" in storage,
    };
  });
  assert.deepEqual(errors, []);
  const nodeSummary = summarizeUsageRecords(records);
  assert.deepEqual(result.fromRecords, nodeSummary);
  assert.deepEqual(result.fromJsonlBytes, summarizeUsageRecords(queryUsageRecords(records, {})));
  assert.deepEqual(result.fromJsonlText, summarizeUsageRecords(queryUsageRecords(records, { provider: "anthropic" })));
  assert.deepEqual(result.recent, queryUsageRecords(records, { limit: 5 }).map((r) => r.id));
  assert.deepEqual(result.fromFetchStream, result.fromJsonlText);
  assert.deepEqual(result.fromBlobStream, { summary: result.fromJsonlBytes, diagnostics: [] });
  assert.match(result.id, /^request_[0-9a-f-]{36}$/);
  assert.equal(result.hasFileStore, false, "the browser entry has no file store");
  assert.ok(nodeSummary.records === 5000 && nodeSummary.byProvider.length > 3);
  await page.close();
});
