// Errors reaching JavaScript: coded Error objects, and Rust panics with their message.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createUsageRecordId, summarizeUsageRecords } from "@pie-lab/storage";
import { call, wasm } from "../../node-host/dist/wasm.js";
import { tempDir } from "./helpers.mjs";

test("a Rust panic reaches JavaScript as an Error with code PIE_PANIC and its message", () => {
  assert.throws(
    () => call(() => wasm().__panicForTest("boom from the test")),
    (error) => error instanceof Error && error.code === "PIE_PANIC" && error.message.includes("boom from the test"),
  );
});

test("the module keeps working after an unrelated call", () => {
  assert.match(createUsageRecordId(), /^usage_/);
  assert.equal(summarizeUsageRecords([]).records, 0);
});

test("malformed JSON handed to the core is a coded error", () => {
  assert.throws(() => wasm().usageRecordLine("{not json"), (error) => error instanceof Error && error.code === "PIE_INVALID_JSON");
});

test("thrown errors are PieStorageError instances with a code (instanceof works)", async () => {
  const { PieStorageError, usageRecordLine } = await import("@pie-lab/storage");
  assert.throws(
    () => usageRecordLine({ id: "x" }),
    (error) => error instanceof PieStorageError && error instanceof Error && error.code === "PIE_INVALID_USAGE_RECORD" && error.name === "PieStorageError",
  );
});

test("a cyclic or BigInt value is a typed PIE_INVALID_INPUT error, not a bare TypeError", async () => {
  const { PieStorageError, usageRecordLine, createInMemoryUsageStore, createInMemoryProviderConnectionStore } = await import("@pie-lab/storage");
  const cyclic = { id: "usage_1" };
  cyclic.self = cyclic;
  const typed = (error) => error instanceof PieStorageError && error.code === "PIE_INVALID_INPUT";
  assert.throws(() => usageRecordLine(cyclic), typed);
  assert.throws(() => usageRecordLine({ id: "usage_1", tokens: 10n }), typed);
  assert.throws(() => createInMemoryUsageStore().recordUsage(cyclic), typed);
  const store = createInMemoryProviderConnectionStore();
  await assert.rejects(store.createProviderConnection({ provider: "openai", n: 1n }), typed);
  assert.deepEqual(await store.getProviderConnections(), []);
});

test("createProviderConnection/createProxyPool refuse data that is not an object, and write nothing", async () => {
  const { existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { PieStorageError, createJsonProviderConnectionStore } = await import("@pie-lab/storage");
  const path = join(tempDir("pie-errors"), "provider-connections.json");
  const store = createJsonProviderConnectionStore(path);
  const typed = (error) => error instanceof PieStorageError && error.code === "PIE_INVALID_INPUT";
  for (const bad of [null, "x", 42, [], true]) {
    await assert.rejects(store.createProviderConnection(bad), typed, `createProviderConnection(${JSON.stringify(bad)})`);
    await assert.rejects(store.createProxyPool(bad), typed, `createProxyPool(${JSON.stringify(bad)})`);
  }
  assert.equal(existsSync(path), false);
  const created = await store.createProviderConnection({ provider: "openai", apiKey: "sk-test" });
  await assert.rejects(store.updateProviderConnection(created.id, "x"), typed);
  assert.equal((await store.updateProviderConnection(created.id, null)).id, created.id);
});

test("a write whose lock was taken over meanwhile is refused and the new holder's file survives", async () => {
  const { readFileSync, writeFileSync, rmdirSync, mkdirSync, utimesSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { NodeFileHost } = await import("../../node-host/dist/node-storage.js");
  const { drive } = await import("../../node-host/dist/wasm.js");
  const glue = wasm();
  const path = join(tempDir("pie-lost-lock"), "provider-connections.json");
  const theirs = '{\n  "connections": [],\n  "settings": {},\n  "proxyPools": []\n}\n';
  const host = new NodeFileHost(path);
  host.session = () => host;
  const perform = host.perform.bind(host);
  // While this writer holds the lock and reads the file, another process "steals" the lock as
  // stale (remove, recreate with its own mtime) and writes its own state.
  host.perform = async (request) => {
    if (request.kind === "readAll") {
      const lock = `${path}.lock`;
      rmdirSync(lock);
      mkdirSync(lock);
      const later = (Date.now() + 5000) / 1000;
      utimesSync(lock, later, later);
      writeFileSync(path, theirs);
      return null;
    }
    return perform(request);
  };
  const core = glue.ProviderConnectionStoreCore.openFile(path);
  await assert.rejects(
    drive(core.operation("createProviderConnection", JSON.stringify([{ provider: "openai" }])), host),
    (error) => error.code === "PIE_LOCK_COMPROMISED",
  );
  assert.equal(readFileSync(path, "utf8"), theirs);
});

test("a usage record that is not an object is PIE_INVALID_USAGE_RECORD at path \"record\" (the core's rule)", async () => {
  const { createJsonlUsageStore, usageRecordLine, createInMemoryUsageStore } = await import("@pie-lab/storage");
  const { existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  const path = join(tempDir("pie-not-object"), "usage.jsonl");
  const store = createJsonlUsageStore(path);
  const memory = createInMemoryUsageStore();
  const typed = (error) => error.code === "PIE_INVALID_USAGE_RECORD" && error.path === "record";
  for (const bad of [null, undefined, "x", 42, [], [1]]) {
    await assert.rejects(store.recordUsage(bad), typed, `recordUsage(${JSON.stringify(bad)})`);
    // The reference's in-memory recordUsage is synchronous.
    assert.throws(() => memory.recordUsage(bad), typed, `in memory recordUsage(${JSON.stringify(bad)})`);
    assert.throws(() => usageRecordLine(bad), typed, `usageRecordLine(${JSON.stringify(bad)})`);
  }
  assert.equal(existsSync(path), false, "nothing was written");
});
