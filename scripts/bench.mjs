// `npm run bench`: generates realistic usage files and prints the package's times beside the
// plain JavaScript path (tests/reference: read, JSON.parse per line, filter, sort, aggregate),
// measured in the same run, as medians of several runs. Writes bench-results/bench.json.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "./build.mjs";
import { log, root } from "./lib.mjs";

if (!process.argv.includes("--no-build")) build();

const storage = await import("@pie-lab/storage");
const { generateUsageRecords, toJsonl } = await import("../node-host/dist/demo.js");
const reference = await import("../tests/reference/usage-reference.mjs");

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? "100000,200000").split(",").map(Number);
const dir = join(tmpdir(), "pie-storage-bench");
mkdirSync(dir, { recursive: true });

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(fn) {
  const samples = [];
  let result;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = await fn();
    samples.push(performance.now() - start);
  }
  return { ms: median(samples), result };
}

const rows = [];
function row(size, task, jsMs, pkgMs, note = "") {
  rows.push({ records: size, task, jsMs: +jsMs.toFixed(2), packageMs: +pkgMs.toFixed(2), ratio: +(jsMs / pkgMs).toFixed(2), note });
}

for (const size of SIZES) {
  const path = join(dir, `usage-${size}.jsonl`);
  const records = generateUsageRecords(size, 42);
  writeFileSync(path, toJsonl(records));
  const mb = statSync(path).size / 1e6;
  log(`${size} records, ${mb.toFixed(1)} MB at ${path}`);
  const store = storage.createJsonlUsageStore(path);
  const query = { provider: "anthropic", from: "2026-02-01T00:00:00.000Z" };

  const jsRead = await time(() => reference.readUsageRecords(path));
  const pkgRead = await time(() => store.getUsageRecords());
  assert.deepEqual(pkgRead.result.length, jsRead.result.length);
  row(size, "read all records", jsRead.ms, pkgRead.ms, "JsonlUsageStore.getUsageRecords");

  const objects = jsRead.result;
  const jsSummary = await time(() => reference.summarizeUsageRecords(objects));
  const pkgSummary = await time(() => storage.summarizeUsageRecords(objects));
  assert.equal(JSON.stringify(pkgSummary.result), JSON.stringify(jsSummary.result));
  row(size, "summarizeUsageRecords(array)", jsSummary.ms, pkgSummary.ms, "drop-in, JS objects");

  const jsQuery = await time(() => reference.queryUsageRecords(objects, query));
  const pkgQuery = await time(() => storage.queryUsageRecords(objects, query));
  assert.deepEqual(pkgQuery.result.map((r) => r.id), jsQuery.result.map((r) => r.id));
  row(size, "queryUsageRecords(array, {provider, from})", jsQuery.ms, pkgQuery.ms, "drop-in, JS objects");

  const jsRecent = await time(() => reference.queryUsageRecords(objects, { limit: 100 }));
  const pkgRecent = await time(() => storage.queryUsageRecords(objects, { limit: 100 }));
  assert.deepEqual(pkgRecent.result.map((r) => r.id), jsRecent.result.map((r) => r.id));
  row(size, "queryUsageRecords(array, {limit: 100})", jsRecent.ms, pkgRecent.ms, "drop-in, JS objects");

  const jsFile = await time(() => {
    const all = reference.readUsageRecords(path);
    return reference.summarizeUsageRecords(reference.queryUsageRecords(all, query));
  });
  const bytes = readFileSync(path);
  const pkgFile = await time(() => storage.summarizeUsageJsonl(readFileSync(path), query));
  assert.equal(JSON.stringify(pkgFile.result), JSON.stringify(jsFile.result));
  row(size, "file -> summary {provider, from}", jsFile.ms, pkgFile.ms, "summarizeUsageJsonl(bytes)");
  const pkgStore = await time(() => store.summarizeUsage(query));
  assert.equal(JSON.stringify(pkgStore.result), JSON.stringify(jsFile.result));
  row(size, "file -> summary {provider, from}", jsFile.ms, pkgStore.ms, "JsonlUsageStore.summarizeUsage");
  void bytes;
}

const table = [
  "| records | task | package path | plain JS (ms) | package (ms) | speed-up |",
  "|---:|---|---|---:|---:|---:|",
  ...rows.map(
    (r) => `| ${r.records.toLocaleString("en-US")} | ${r.task} | ${r.note} | ${r.jsMs} | ${r.packageMs} | ${r.ratio}x |`,
  ),
].join("\n");
console.log(`\nMedians of ${RUNS} runs, same process, Node ${process.version}:\n\n${table}\n`);
const out = join(root, "bench-results");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "bench.json"), JSON.stringify({ node: process.version, runs: RUNS, rows }, null, 2) + "\n");
log(`results written to ${join(out, "bench.json")}`);
