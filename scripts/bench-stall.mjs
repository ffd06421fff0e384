// `npm run bench` part: the event-loop stall table. The longest gap between ticks of a 10 ms
// interval timer while (a) a cold summarizeUsage() indexes a usage file with no saved index,
// (b) createProviderConnection() waits for a lock another process holds for 3 s, (c) 1,000
// recordUsage() calls run. Goal: at most 50 ms each. Alone: `node scripts/bench-stall.mjs`.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const storage = await import("@pie-lab/storage");
const { generateUsageRecords, toJsonl } = await import("../node-host/dist/demo.js");
const { holdLockInAnotherProcess: holdLock, longestTimerGap: longestGap } = await import("../tests/node/stall.mjs");

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
  return rows.map(({ result: _result, ...r }) => ({ ...r, gapMs: +r.gapMs.toFixed(1), totalMs: +r.totalMs.toFixed(1), goal: "≤50 ms", met: r.gapMs <= 50 }));
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
