// `npm run bench` part: the event-loop stall table. The longest gap between ticks of a 10 ms
// interval timer while (a) a cold summarizeUsage() indexes a usage file with no saved index,
// (b) createProviderConnection() waits for a lock another process holds for 3 s, (c) 1,000
// recordUsage() calls run. Goal: at most 50 ms each. Alone: `node scripts/bench-stall.mjs`.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const storage = await import("@pie-lab/storage");
const { generateUsageRecords, toJsonl } = await import("../node-host/dist/demo.js");

async function longestGap(work) {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { gapMs: Math.max(longest, performance.now() - last), totalMs: performance.now() - started };
}

/** Another process holds `<file>.lock` for `ms`, refreshing it as proper-lockfile does. */
async function holdLock(file, ms) {
  const script = `const fs = require("node:fs"); const lock = process.argv[1] + ".lock"; fs.mkdirSync(lock);
    process.stdout.write("LOCKED\\n");
    const touch = setInterval(() => { const t = Date.now() / 1000; fs.utimesSync(lock, t, t); }, 500);
    setTimeout(() => { clearInterval(touch); fs.rmdirSync(lock); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ["-e", script, file, String(ms)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  await once(child.stdout, "data");
  return { exited };
}

export async function benchStall({ usagePath, records = 200_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "pie-stall-"));
  const rows = [];
  const path = usagePath && existsSync(usagePath) ? usagePath : join(dir, "usage.jsonl");
  if (path !== usagePath) writeFileSync(path, toJsonl(generateUsageRecords(records, 42)));
  rmSync(storage.savedUsageIndexPath(path), { force: true });
  const cold = storage.createJsonlUsageStore(path, { saveIndex: false });
  rows.push({ task: `cold summarizeUsage(), ${records.toLocaleString("en-US")} records, no saved index`, ...(await longestGap(() => cold.summarizeUsage({ provider: "anthropic" }))) });

  const connections = join(dir, "provider-connections.json");
  const holder = await holdLock(connections, 3000);
  const store = storage.createJsonProviderConnectionStore(connections);
  rows.push({ task: "createProviderConnection() while another process holds the lock 3 s", ...(await longestGap(() => store.createProviderConnection({ provider: "openai" }))) });
  await holder.exited;

  mkdirSync(join(dir, "append"), { recursive: true });
  const appends = storage.createJsonlUsageStore(join(dir, "append", "usage.jsonl"));
  const batch = generateUsageRecords(1000, 7).map((r, i) => ({ ...r, id: `usage_stall_${i}` }));
  rows.push({ task: "1,000 recordUsage() calls", ...(await longestGap(async () => { for (const r of batch) await appends.recordUsage(r); })) });
  rmSync(dir, { recursive: true, force: true });
  return rows.map((r) => ({ ...r, gapMs: +r.gapMs.toFixed(1), totalMs: +r.totalMs.toFixed(1), goal: "≤50 ms", met: r.gapMs <= 50 }));
}

export function stallTable(rows) {
  return [
    "| event-loop stall: task | longest timer gap (ms) | whole call (ms) | goal |",
    "|---|---:|---:|---|",
    ...rows.map((r) => `| ${r.task} | ${r.gapMs} | ${r.totalMs} | ${r.goal}: ${r.met ? "met" : "not met"} |`),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchStall({ records: Number(process.env.BENCH_STALL_RECORDS ?? 200_000) });
  console.log(`\n${stallTable(rows)}\n`);
}
