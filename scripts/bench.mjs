// `npm run bench`: generates realistic usage files and prints the package's times beside the
// plain JavaScript path (tests/reference: read, JSON.parse per line, filter, sort, aggregate),
// measured in the same run, as medians of several runs. Every fast path's result is checked
// against the reference path's. Writes bench-results/bench.json.
//
// Cold rows run each sample in a fresh `node` process (scripts/bench-cold.mjs); "saved index"
// means the index file beside usage.jsonl was written by an earlier process, "first open" means
// there is none. Env: BENCH_RUNS (default 5), BENCH_SIZES (default 200000), BENCH_BROWSER=0 to
// skip Chromium, BENCH_ONLY=series for the summarizeUsageByTime rows alone, BENCH_DETAILS=0 to skip the request-details rows. Run it as `npm run bench` (node --expose-gc): in-process samples start on a
// collected heap.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "./build.mjs";
import { ensureChromium, log, root, run } from "./lib.mjs";
import { median, time as timeRuns } from "./bench-timing.mjs";

const ONLY_SERIES = process.env.BENCH_ONLY === "series";
if (!process.argv.includes("--no-build")) build();
if (!ONLY_SERIES) {
  log("building the native example (release)");
  run("cargo", ["build", "--release", "-p", "pie-storage-core", "--features", "fs", "--example", "usage_bench"]);
}
// Where cargo put it: CARGO_TARGET_DIR when set, as scripts/build.mjs reads it.
const nativeBench = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release", "examples", "usage_bench");

const storage = await import("@pie-lab/storage");
const { generateUsageRecords, toJsonl } = await import("../node-host/dist/demo.js");
const reference = await import("../tests/reference/usage-reference.mjs");

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? "200000").split(",").map(Number);
const QUERY = { provider: "anthropic", from: "2026-01-12T00:00:00.000Z" };
const RECENT = { limit: 100 };
const dir = join(tmpdir(), "pie-storage-bench");
mkdirSync(dir, { recursive: true });

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Median of `runs` timed calls on a collected heap ({@link timeRuns}). */
const time = (fn, runs = RUNS) => timeRuns(fn, runs);

/** RUNS fresh processes of scripts/bench-cold.mjs; `before` runs ahead of each one. */
function cold(side, task, path, query, before = () => {}) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    before();
    const out = execFileSync(process.execPath, [join(root, "scripts", "bench-cold.mjs"), side, task, path, JSON.stringify(query)], {
      maxBuffer: 1 << 28,
      encoding: "utf8",
    });
    samples.push(JSON.parse(out));
  }
  return { ms: median(samples.map((s) => s.ms)), rssMb: median(samples.map((s) => s.maxRssMb)), result: samples.at(-1).result };
}

/** RUNS fresh processes of the native example. */
function native(path, mode, before = () => {}) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    before();
    const out = execFileSync(nativeBench, [path, mode, QUERY.provider, QUERY.from], { encoding: "utf8", maxBuffer: 1 << 26 });
    samples.push(JSON.parse(out));
  }
  return { ms: median(samples.map((s) => s.ms)), result: samples.at(-1).summary };
}

const rows = [];
function row(records, task, path, js, pkg, goal = "", extra = {}) {
  const ratio = js.ms / pkg.ms;
  rows.push({
    records,
    task,
    path,
    jsMs: +js.ms.toFixed(1),
    packageMs: +pkg.ms.toFixed(1),
    ratio: +ratio.toFixed(2),
    jsPeakMb: js.rssMb === undefined ? undefined : +js.rssMb.toFixed(0),
    packagePeakMb: pkg.rssMb === undefined ? undefined : +pkg.rssMb.toFixed(0),
    goal,
    equal: true,
    ...extra,
  });
  log(`${task} | ${path}: ${js.ms.toFixed(1)} ms vs ${pkg.ms.toFixed(1)} ms = ${ratio.toFixed(2)}x`);
}

/**
 * `summarizeUsageByTime` by UTC day over the whole file (a daily cost chart) against the plain
 * path (read, JSON.parse per line, bucket in JS: tests/reference `summarizeUsageByUtcDay`):
 * cold in fresh processes with the saved index, warm in a long-lived store (the JS side reads
 * the file again, as a server must to see new records), and over an array already parsed.
 */
async function benchSeries(size, path, forgetIndex) {
  const SERIES = {};
  const DAILY = { bucket: "day" };
  forgetIndex();
  cold("package", "series", path, SERIES); // writes the saved index
  const jsCold = cold("js", "series", path, SERIES);
  const pkgCold = cold("package", "series", path, SERIES);
  assert.ok(same(pkgCold.result, jsCold.result), "cold series differs from the reference");
  row(size, "cold summarizeUsageByTime {bucket: day}", "saved index", jsCold, pkgCold);

  const store = storage.createJsonlUsageStore(path);
  await store.summarizeUsageByTime(SERIES, DAILY);
  const pkgWarm = await time(() => store.summarizeUsageByTime(SERIES, DAILY), RUNS * 4);
  const jsWarm = await time(() => reference.summarizeUsageByUtcDay(reference.readUsageRecords(path), SERIES));
  assert.ok(same(pkgWarm.result, jsWarm.result), "warm series differs from the reference");
  row(size, "warm summarizeUsageByTime {bucket: day}", "long-lived store", jsWarm, pkgWarm, "< 10 ms");

  const objects = reference.readUsageRecords(path);
  const jsArray = await time(() => reference.summarizeUsageByUtcDay(objects, SERIES));
  const pkgArray = await time(() => storage.summarizeUsageRecordsByTime(objects, SERIES, DAILY));
  assert.ok(same(pkgArray.result, jsArray.result), "array series differs from the reference");
  row(size, "summarizeUsageRecordsByTime(array, {bucket: day})", "JS objects", jsArray, pkgArray);
}

for (const size of SIZES) {
  const path = join(dir, `usage-${size}.jsonl`);
  const savedIndex = storage.savedUsageIndexPath(path);
  const forgetIndex = () => rmSync(savedIndex, { force: true });
  writeFileSync(path, toJsonl(generateUsageRecords(size, 42)));
  forgetIndex();
  log(`${size} records, ${(statSync(path).size / 1e6).toFixed(1)} MB at ${path}`);

  await benchSeries(size, path, forgetIndex);
  if (ONLY_SERIES) {
    forgetIndex();
    continue;
  }

  // Cold, fresh processes: the dashboard's /usage/summary and /usage?limit=100.
  const jsSummary = cold("js", "summary", path, QUERY);
  const firstSummary = cold("package-unsaved", "summary", path, QUERY, forgetIndex);
  assert.ok(same(firstSummary.result, jsSummary.result), "summary (first open) differs from the reference");
  row(size, "cold summary {provider, from}", "first open (no saved index)", jsSummary, firstSummary);
  cold("package", "summary", path, QUERY); // writes the saved index
  const savedSummary = cold("package", "summary", path, QUERY);
  assert.ok(same(savedSummary.result, jsSummary.result), "summary (saved index) differs from the reference");
  row(size, "cold summary {provider, from}", "saved index", jsSummary, savedSummary, "≥8x, ≤1/3 memory", {
    memoryRatio: +(jsSummary.rssMb / savedSummary.rssMb).toFixed(2),
  });

  const jsRecent = cold("js", "recent", path, RECENT);
  const firstRecent = cold("package-unsaved", "recent", path, RECENT, forgetIndex);
  assert.ok(same(firstRecent.result, jsRecent.result), "recent 100 (first open) differs from the reference");
  row(size, "cold recent {limit: 100}", "first open (no saved index)", jsRecent, firstRecent);
  cold("package", "recent", path, RECENT);
  const savedRecent = cold("package", "recent", path, RECENT);
  assert.ok(same(savedRecent.result, jsRecent.result), "recent 100 (saved index) differs from the reference");
  row(size, "cold recent {limit: 100}", "saved index", jsRecent, savedRecent, "≥25x", {
    memoryRatio: +(jsRecent.rssMb / savedRecent.rssMb).toFixed(2),
  });

  // Native Rust, release build, fresh processes.
  const nativeFirst = native(path, "memory");
  assert.ok(same(nativeFirst.result, jsSummary.result), "native summary differs from the reference");
  row(size, "cold summary {provider, from}", "native Rust, first open", jsSummary, nativeFirst);
  native(path, "saved");
  const nativeSaved = native(path, "saved");
  assert.ok(same(nativeSaved.result, jsSummary.result), "native summary (saved index) differs from the reference");
  row(size, "cold summary {provider, from}", "native Rust, saved index", jsSummary, nativeSaved, "≥15x");

  // Warm: one long-lived process, one recordUsage then summarizeUsage, on a copy of the file.
  const warmPath = join(dir, `usage-${size}-warm.jsonl`);
  copyFileSync(path, warmPath);
  rmSync(storage.savedUsageIndexPath(warmPath), { force: true });
  const store = storage.createJsonlUsageStore(warmPath);
  await store.summarizeUsage(QUERY);
  let n = 0;
  const fresh = () => ({
    ...generateUsageRecords(1, 1000 + n)[0],
    id: storage.createUsageRecordId(),
    resolvedProvider: "anthropic",
    timestamp: new Date(Date.parse("2026-02-01T00:00:00.000Z") + 1000 * n++).toISOString(),
  });
  // The package's calls take milliseconds: more samples for a stable median.
  const pkgWarm = await time(async () => {
    await store.recordUsage(fresh());
    return store.summarizeUsage(QUERY);
  }, RUNS * 4);
  const jsWarm = await time(() => {
    appendFileSync(warmPath, JSON.stringify(fresh()) + "\n");
    const all = reference.readUsageRecords(warmPath);
    return reference.summarizeUsageRecords(reference.queryUsageRecords(all, QUERY));
  });
  const finalJs = reference.summarizeUsageRecords(reference.queryUsageRecords(reference.readUsageRecords(warmPath), QUERY));
  assert.ok(same(await store.summarizeUsage(QUERY), finalJs), "warm summary differs from the reference");
  row(size, "warm recordUsage + summarizeUsage", "long-lived store", jsWarm, pkgWarm, "≥300x");
  rmSync(warmPath, { force: true });
  rmSync(storage.savedUsageIndexPath(warmPath), { force: true });

  // Drop-in functions over arrays of JS objects (the usage slice's goals), same process.
  const objects = reference.readUsageRecords(path);
  const jsArray = await time(() => reference.summarizeUsageRecords(objects));
  const pkgArray = await time(() => storage.summarizeUsageRecords(objects));
  assert.ok(same(pkgArray.result, jsArray.result));
  row(size, "summarizeUsageRecords(array)", "drop-in, JS objects", jsArray, pkgArray);
  const jsQuery = await time(() => reference.queryUsageRecords(objects, QUERY));
  const pkgQuery = await time(() => storage.queryUsageRecords(objects, QUERY));
  assert.deepEqual(pkgQuery.result.map((r) => r.id), jsQuery.result.map((r) => r.id));
  row(size, "queryUsageRecords(array, {provider, from})", "drop-in, JS objects", jsQuery, pkgQuery);

  // Browser: summarizeUsageJsonl against the JS path in the same page.
  if (process.env.BENCH_BROWSER !== "0") {
    ensureChromium();
    const { benchBrowser } = await import("./bench-browser.mjs");
    for (const r of await benchBrowser({ path, query: QUERY, runs: RUNS })) {
      assert.ok(r.equal, `${r.task} differs from the reference`);
      row(size, r.task, "headless Chromium, same page", { ms: r.jsMs }, { ms: r.packageMs }, r.task.includes("bytes") ? "≥5x" : "");
    }
  }
  forgetIndex();
}

// Request details: 100,000 records of a few KB (scripts/bench-details.mjs).
if (process.env.BENCH_DETAILS !== "0") {
  const { benchDetails } = await import("./bench-details.mjs");
  await benchDetails({ storage, runs: RUNS, row, log });
}

const { benchStall, stallTable } = await import("./bench-stall.mjs");
const stall = ONLY_SERIES ? [] : await benchStall({ usagePath: join(dir, `usage-${SIZES[0]}.jsonl`), records: SIZES[0] });

const { benchAdmin, adminTable } = await import("./bench-admin.mjs");
const adminLoad = ONLY_SERIES ? null : await benchAdmin();
const mb = (v) => (v === undefined ? "" : v);
const table = [
  "| records | task | package path | plain JS (ms) | package (ms) | speed-up | JS peak MB | package peak MB | goal |",
  "|---:|---|---|---:|---:|---:|---:|---:|---|",
  ...rows.map(
    (r) =>
      `| ${r.records.toLocaleString("en-US")} | ${r.task} | ${r.path} | ${r.jsMs} | ${r.packageMs} | ${r.ratio}x | ${mb(r.jsPeakMb)} | ${mb(r.packagePeakMb)} | ${r.goal} |`,
  ),
].join("\n");
console.log(`\nMedians of ${RUNS} runs, Node ${process.version}; every result equals the reference path's:\n\n${table}\n\n${stallTable(stall)}\n${adminLoad ? `\n${adminTable(adminLoad)}\n` : ""}`);
const out = join(root, "bench-results");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "bench.json"), JSON.stringify({ node: process.version, runs: RUNS, query: QUERY, rows, stall, adminLoad }, null, 2) + "\n");
log(`results written to ${join(out, "bench.json")}`);
