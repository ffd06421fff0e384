// The admin server under load (issue 13): 50 concurrent clients reading summaries and lists
// while 4 processes append usage for BENCH_ADMIN_SECONDS (default 30) on 127.0.0.1. Reports
// request latency percentiles, errors, and whether every appended record is in the file.
//
//   node scripts/bench-admin.mjs          (also run by `npm run bench`)

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const storage = await import("@pie-lab/storage");
const { startAdminServer } = await import("@pie-lab/storage/admin");
const { generateUsageRecords, toJsonl } = await import("../node-host/dist/demo.js");

const SECONDS = Number(process.env.BENCH_ADMIN_SECONDS ?? 30);
const READERS = 50;
const WRITERS = Number(process.env.BENCH_ADMIN_WRITERS ?? 4);
const SEED = Number(process.env.BENCH_ADMIN_SEED ?? 20000);

const WORKER = `
import { createJsonlUsageStore } from "@pie-lab/storage";
const [path, tag, until] = process.argv.slice(2);
const store = createJsonlUsageStore(path);
let n = 0;
while (Date.now() < Number(until)) {
  await store.recordUsage({ id: tag + "_" + n, requestId: "load_" + tag + "_" + n, timestamp: new Date().toISOString(),
    requestedModel: "openai/gpt-5", routingMode: "fixed", resolvedProvider: "openai", resolvedModel: "gpt-5",
    attemptIndex: 0, attemptCount: 1, status: "success",
    usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, totalTokens: 15 } });
  n += 1;
}
process.stdout.write(String(n));
`;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function benchAdmin() {
  const dir = mkdtempSync(join(tmpdir(), "pie-bench-admin-"));
  try {
    const usagePath = join(dir, "usage.jsonl");
    writeFileSync(usagePath, toJsonl(generateUsageRecords(SEED)), { mode: 0o600 });
    const server = await startAdminServer({ agentDir: dir, port: 0 });
    const workerPath = join(root, "tests", "node", `.bench-admin-worker-${process.pid}.mjs`);
    writeFileSync(workerPath, WORKER);
    const until = Date.now() + SECONDS * 1000;
    const writers = Array.from({ length: WRITERS }, (_, i) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [workerPath, usagePath, `w${i}`, String(until)], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("exit", (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`writer ${i} exited ${code}`))));
      }),
    );
    const latencies = [];
    let errors = 0;
    const paths = ["/usage/summary", "/usage?limit=50&order=desc", "/usage/summary?provider=openai"];
    const readers = Array.from({ length: READERS }, async (_, i) => {
      let k = i;
      while (Date.now() < until) {
        const started = performance.now();
        try {
          const res = await fetch(server.url + paths[k++ % paths.length]);
          await res.json();
          if (res.status !== 200) errors += 1;
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - started);
        if (process.env.BENCH_ADMIN_TRACE && performance.now() - started > 500) console.error(`slow ${(performance.now() - started).toFixed(0)} ms at +${(Date.now() - (until - SECONDS * 1000))} ms`);
      }
    });
    const [written] = await Promise.all([Promise.all(writers), Promise.all(readers)]);
    rmSync(workerPath, { force: true });
    const appended = written.reduce((a, b) => a + b, 0);
    const summary = await storage.createJsonlUsageStore(usagePath, { saveIndex: false }).summarizeUsage();
    await server.close();
    latencies.sort((a, b) => a - b);
    const result = {
      seconds: SECONDS,
      readers: READERS,
      writers: WRITERS,
      seedRecords: SEED,
      requests: latencies.length,
      errors,
      appended,
      recordsInFile: summary.records,
      lost: SEED + appended - summary.records,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1),
      requestsPerSecond: latencies.length / SECONDS,
    };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function adminTable(r) {
  return [
    `Admin server under load: ${r.readers} readers + ${r.writers} appending processes for ${r.seconds} s on 127.0.0.1 (file seeded with ${r.seedRecords} records)`,
    `  requests ${r.requests} (${r.requestsPerSecond.toFixed(0)}/s), errors ${r.errors}, appended ${r.appended}, lost ${r.lost}`,
    `  latency p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchAdmin();
  console.log(adminTable(r));
  if (r.errors > 0 || r.lost !== 0) process.exitCode = 1;
}
