// The Node stores never stall the event loop while another process holds the file's lock: the
// core makes each lock attempt and the host awaits between them.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { test } from "node:test";

import { createJsonProviderConnectionStore, createJsonlUsageStore } from "@pie-lab/storage";
import { tempDir, usageRecord } from "./helpers.mjs";

/** Another process holds `<file>.lock` (the proper-lockfile directory) for `ms`, refreshing it. */
async function holdLock(file, ms) {
  const script = `
    const fs = require("node:fs");
    const lock = process.argv[1] + ".lock";
    fs.mkdirSync(lock);
    process.stdout.write("LOCKED\\n");
    const touch = setInterval(() => { const t = Date.now() / 1000; fs.utimesSync(lock, t, t); }, 200);
    setTimeout(() => { clearInterval(touch); fs.rmdirSync(lock); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ["-e", script, file, String(ms)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  const [chunk] = await once(child.stdout, "data");
  assert.equal(String(chunk).trim(), "LOCKED");
  return { exited };
}

/** The longest gap between ticks of a 10 ms interval timer while `work` runs. */
async function longestTimerGap(work) {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  try {
    const started = performance.now();
    const result = await work();
    return { longest: Math.max(longest, performance.now() - last), elapsed: performance.now() - started, result };
  } finally {
    clearInterval(timer);
  }
}

test("a connection write waits for another process's lock without stalling the event loop", async () => {
  const path = join(tempDir("pie-stall"), "provider-connections.json");
  const holder = await holdLock(path, 1500);
  const store = createJsonProviderConnectionStore(path);
  const { longest, elapsed, result } = await longestTimerGap(() => store.createProviderConnection({ provider: "openai" }));
  await holder.exited;
  assert.equal(result.provider, "openai");
  assert.ok(elapsed >= 1000, `the write waited for the holder (${elapsed.toFixed(0)} ms)`);
  assert.ok(longest < 400, `longest timer gap ${longest.toFixed(0)} ms while waiting for the lock`);
  assert.equal((await store.getProviderConnections()).length, 1);
});

test("a usage append waits for another process's lock without stalling the event loop", async () => {
  const path = join(tempDir("pie-stall"), "usage.jsonl");
  const holder = await holdLock(path, 1500);
  const store = createJsonlUsageStore(path, { saveIndex: false });
  const { longest, elapsed } = await longestTimerGap(() => store.recordUsage(usageRecord()));
  await holder.exited;
  assert.ok(elapsed >= 1000, `the append waited for the holder (${elapsed.toFixed(0)} ms)`);
  assert.ok(longest < 400, `longest timer gap ${longest.toFixed(0)} ms while waiting for the lock`);
  assert.equal((await store.getUsageRecords()).length, 1);
});

test("an invalid record releases the lock it waited for", async () => {
  const path = join(tempDir("pie-stall"), "usage.jsonl");
  const store = createJsonlUsageStore(path, { saveIndex: false });
  await assert.rejects(store.recordUsage({ id: "x" }), (error) => error.code === "PIE_INVALID_USAGE_RECORD");
  await store.recordUsage(usageRecord());
  assert.equal((await store.getUsageRecords()).length, 1);
});
