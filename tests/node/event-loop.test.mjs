// The Node stores never stall the event loop while another process holds the file's lock: the
// core makes each lock attempt and the host awaits between them.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import { createJsonProviderConnectionStore, createJsonlUsageStore } from "@pie-lab/storage";
import { tempDir, usageRecord } from "./helpers.mjs";
import { holdLockInAnotherProcess, longestTimerGap } from "./stall.mjs";

test("a connection write waits for another process's lock without stalling the event loop", async () => {
  const path = join(tempDir("pie-stall"), "provider-connections.json");
  const holder = await holdLockInAnotherProcess(path, 1500);
  const store = createJsonProviderConnectionStore(path);
  const { gapMs: longest, totalMs: elapsed, result } = await longestTimerGap(() => store.createProviderConnection({ provider: "openai" }));
  await holder.exited;
  assert.equal(result.provider, "openai");
  assert.ok(elapsed >= 1000, `the write waited for the holder (${elapsed.toFixed(0)} ms)`);
  assert.ok(longest < 400, `longest timer gap ${longest.toFixed(0)} ms while waiting for the lock`);
  assert.equal((await store.getProviderConnections()).length, 1);
});

test("a usage append waits for another process's lock without stalling the event loop", async () => {
  const path = join(tempDir("pie-stall"), "usage.jsonl");
  const holder = await holdLockInAnotherProcess(path, 1500);
  const store = createJsonlUsageStore(path, { saveIndex: false });
  const { gapMs: longest, totalMs: elapsed } = await longestTimerGap(() => store.recordUsage(usageRecord()));
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
