// Request-details rows of `npm run bench` (also runnable alone: `node --expose-gc
// scripts/bench-details.mjs`, after `npm run build`). 100,000 details of a few KB each: append
// cost per record, newest page, filtered page and detail lookup, cold (a fresh `node` process
// per sample, scripts/bench-details-cold.mjs) and warm (a long-lived store), against the plain
// approach: one JSON file read whole with JSON.parse, filtered and sorted in JS (what
// 9router's request-details.json does). Every package result is checked against the plain one.
// Env: BENCH_DETAILS=0 skips these rows in `npm run bench`; BENCH_DETAILS_COUNT (default
// 100000); BENCH_RUNS.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { median, time } from "./bench-timing.mjs";

const root = join(fileURLToPath(import.meta.url), "..", "..");

export const DETAILS_COUNT = Number(process.env.BENCH_DETAILS_COUNT ?? 100_000);
/** Large enough to keep every record of the bench. */
export const DETAILS_OPTIONS = { maxRecords: 1_000_000, maxBytes: 4 * 1024 ** 3, maxAgeMs: 0 };
const FILTER = { provider: "anthropic", status: "error" };
const PROVIDERS = ["openai", "anthropic", "gemini", "groq"];

/** A realistic attempt (about 2.6 KB of JSON), deterministic in `i`. */
export function detailRecord(i) {
  const provider = PROVIDERS[i % 4];
  const prompt = `Summarize the ticket ${i}: the customer reports that exports fail after the upgrade. `.repeat(18);
  return {
    id: `det_${i.toString(36).padStart(6, "0")}`,
    requestId: `req_${Math.floor(i / 2)}`,
    provider,
    model: `${provider}-model-${i % 3}`,
    connectionId: `conn_${i % 7}`,
    attemptIndex: i % 2,
    timestamp: new Date(Date.UTC(2026, 4, 1) + i * 1000).toISOString(),
    status: i % 5 === 0 ? "error" : "success",
    latency: { ttft: 100 + (i % 50), total: 900 + (i % 300) },
    tokens: { prompt_tokens: 300 + (i % 40), completion_tokens: 120 + (i % 30) },
    request: { model: `${provider}-model-${i % 3}`, stream: true, max_tokens: 1024, messages: [{ role: "user", content: prompt }] },
    providerRequest: { url: `https://api.${provider}.example/v1/chat`, headers: { "content-type": "application/json" } },
    providerResponse: { status: i % 5 === 0 ? 429 : 200, headers: { "content-type": "text/event-stream" } },
    response: { content: `The export fails because the new schema drops column ${i % 11}. `.repeat(6) },
  };
}

/** The plain approach: the whole file parsed, then 9router's filters, newest first, one page. */
export function plainPage(path, query) {
  const all = JSON.parse(readFileSync(path, "utf8"));
  const match = all.filter(
    (d) => (!query.provider || d.provider === query.provider) && (!query.status || d.status === query.status),
  );
  match.sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
  const size = query.pageSize ?? 20;
  return { details: match.slice(0, size), totalItems: match.length };
}

export function plainDetail(path, id) {
  return JSON.parse(readFileSync(path, "utf8")).find((d) => d.id === id) ?? null;
}

/** Writes the folder (segments as the store writes them: one JSON.stringify line each) and the plain file. */
export function generate(dir, storage) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const folder = join(dir, "request-details");
  const plain = join(dir, "request-details.json");
  // Records through the store's own rules, once, to be sure the lines are what it writes.
  const lines = [];
  for (let i = 0; i < DETAILS_COUNT; i++) lines.push(JSON.stringify(detailRecord(i)));
  const segmentBytes = storage.createRequestDetailsStore(folder, DETAILS_OPTIONS).getConfig().segmentBytes;
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  let segment = 1;
  let chunk = [];
  let bytes = 0;
  const flush = () => {
    writeFileSync(join(folder, `segment-${String(segment).padStart(6, "0")}.jsonl`), chunk.join(""), { mode: 0o600 });
    segment += 1;
    chunk = [];
    bytes = 0;
  };
  for (const line of lines) {
    chunk.push(line + "\n");
    bytes += line.length + 1;
    if (bytes >= segmentBytes) flush();
  }
  if (chunk.length > 0) flush();
  writeFileSync(plain, `[${lines.join(",")}]`);
  return { folder, plain, segments: segment - 1, mb: lines.reduce((n, l) => n + l.length + 1, 0) / 1e6 };
}

function cold(side, task, path, arg, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [join(root, "scripts", "bench-details-cold.mjs"), side, task, path, JSON.stringify(arg)], {
      maxBuffer: 1 << 26,
      encoding: "utf8",
    });
    samples.push(JSON.parse(out));
  }
  return { ms: median(samples.map((s) => s.ms)), rssMb: median(samples.map((s) => s.maxRssMb)), result: samples.at(-1).result };
}

const ids = (page) => page.details.map((d) => d.id);

/** Runs the rows; `row(records, task, path, js, pkg, goal)` records each (bench.mjs's table). */
export async function benchDetails({ storage, runs, row, log = console.log }) {
  const dir = join(tmpdir(), "pie-storage-bench-details");
  const { folder, plain, segments, mb } = generate(dir, storage);
  log(`${DETAILS_COUNT} request details, ${mb.toFixed(0)} MB in ${segments} segments at ${folder}`);
  const n = DETAILS_COUNT;
  const lookup = detailRecord(Math.floor(n / 3)).id;

  // Cold: a fresh process opens the folder (builds its index) and answers one page.
  const jsNewest = cold("js", "page", plain, {}, runs);
  const pkgNewest = cold("package", "page", folder, {}, runs);
  assert.deepEqual(pkgNewest.result.ids, jsNewest.result.ids, "cold newest page differs");
  assert.equal(pkgNewest.result.totalItems, jsNewest.result.totalItems);
  row(n, "cold request details, newest page", "fresh process, folder of segments", jsNewest, pkgNewest);
  const jsFiltered = cold("js", "page", plain, FILTER, runs);
  const pkgFiltered = cold("package", "page", folder, FILTER, runs);
  assert.deepEqual(pkgFiltered.result.ids, jsFiltered.result.ids, "cold filtered page differs");
  row(n, "cold request details, page {provider, status}", "fresh process, folder of segments", jsFiltered, pkgFiltered);
  const jsDetail = cold("js", "detail", plain, lookup, runs);
  const pkgDetail = cold("package", "detail", folder, lookup, runs);
  assert.deepEqual(pkgDetail.result, jsDetail.result, "cold detail differs");
  row(n, "cold getRequestDetail(id)", "fresh process, folder of segments", jsDetail, pkgDetail);

  // Warm: a long-lived store; the plain approach reads the file whole each time.
  const store = storage.createRequestDetailsStore(folder, DETAILS_OPTIONS);
  await store.getRequestDetails();
  const warmRuns = runs * 8;
  const pkgWarmNewest = await time(() => store.getRequestDetails(), warmRuns);
  const plainWarmNewest = await time(() => plainPage(plain, {}), runs);
  assert.deepEqual(ids(pkgWarmNewest.result), ids(plainWarmNewest.result));
  row(n, "warm request details, newest page", "long-lived store", plainWarmNewest, pkgWarmNewest, "< 5 ms");
  const pkgWarmFiltered = await time(() => store.getRequestDetails(FILTER), warmRuns);
  const plainWarmFiltered = await time(() => plainPage(plain, FILTER), runs);
  assert.deepEqual(ids(pkgWarmFiltered.result), ids(plainWarmFiltered.result));
  assert.equal(pkgWarmFiltered.result.pagination.totalItems, plainWarmFiltered.result.totalItems);
  row(n, "warm request details, page {provider, status}", "long-lived store", plainWarmFiltered, pkgWarmFiltered, "< 5 ms");
  const pkgWarmDetail = await time(() => store.getRequestDetail(lookup), warmRuns);
  const plainWarmDetail = await time(() => plainDetail(plain, lookup), runs);
  assert.deepEqual(pkgWarmDetail.result, plainWarmDetail.result);
  row(n, "warm getRequestDetail(id)", "long-lived store", plainWarmDetail, pkgWarmDetail, "< 5 ms");

  // Append: one record into the 100,000 (the store: one locked append; plain: 9router's
  // whole-file rewrite, parse + push + stringify + write).
  let next = n;
  const appends = runs * 40;
  const pkgAppend = await time(() => store.recordRequestDetail(detailRecord(next++)), appends);
  const plainAppend = await time(() => {
    const all = JSON.parse(readFileSync(plain, "utf8"));
    all.push(detailRecord(next++));
    writeFileSync(plain, JSON.stringify(all));
  }, Math.max(3, Math.floor(runs / 2)));
  row(n, "recordRequestDetail (append one)", "long-lived store", plainAppend, pkgAppend);
  const after = await store.getRequestDetails();
  assert.equal(after.pagination.totalItems, n + appends);
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const storage = await import("@pie-lab/storage");
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const rows = [];
  const row = (records, task, path, js, pkg, goal = "") => {
    rows.push({ records, task, path, jsMs: +js.ms.toFixed(2), packageMs: +pkg.ms.toFixed(2), ratio: +(js.ms / pkg.ms).toFixed(1), jsPeakMb: js.rssMb && +js.rssMb.toFixed(0), packagePeakMb: pkg.rssMb && +pkg.rssMb.toFixed(0), goal });
    console.log(`${task} | ${path}: ${js.ms.toFixed(2)} ms vs ${pkg.ms.toFixed(2)} ms`);
  };
  await benchDetails({ storage, runs, row });
  console.log(
    [
      "| records | task | package path | plain JS (ms) | package (ms) | speed-up | JS peak MB | package peak MB | goal |",
      "|---:|---|---|---:|---:|---:|---:|---:|---|",
      ...rows.map((r) => `| ${r.records.toLocaleString("en-US")} | ${r.task} | ${r.path} | ${r.jsMs} | ${r.packageMs} | ${r.ratio}x | ${r.jsPeakMb ?? ""} | ${r.packagePeakMb ?? ""} | ${r.goal} |`),
    ].join("\n"),
  );
}
