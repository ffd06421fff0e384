// JsonlUsageStore and InMemoryUsageStore on real temporary files.

import assert from "node:assert/strict";
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import {
  createInMemoryUsageStore,
  createJsonlUsageStore,
  InMemoryUsageStore,
  JsonlUsageStore,
  queryUsageRecords,
  summarizeUsageRecords,
} from "@pie-lab/storage";

import { tempDir, usageRecord } from "./helpers.mjs";

describe("JsonlUsageStore", () => {
  test("a missing file reads as empty and is not created", async () => {
    const path = join(tempDir(), "agent", "usage.jsonl");
    const store = createJsonlUsageStore(path);
    assert.ok(store instanceof JsonlUsageStore);
    assert.deepEqual(await store.getUsageRecords(), []);
    assert.equal(existsSync(path), false);
  });

  test("records round-trip byte for byte, creating parent folders", async () => {
    const path = join(tempDir(), "nested", "agent", "usage.jsonl");
    const store = createJsonlUsageStore(path);
    const a = usageRecord({ futureField: { z: 1, a: [1e21, 1e-7] }, "10": "int-like key" });
    const b = usageRecord({ status: "error", errorCode: 429, errorMessage: "rate limit" });
    await store.recordUsage(a);
    await store.recordUsage(b);
    const text = readFileSync(path, "utf8");
    assert.equal(text, JSON.stringify(a) + "\n" + JSON.stringify(b) + "\n");
    assert.deepEqual(await store.getUsageRecords(), [a, b]);
    assert.deepEqual(store.getLastReadDiagnostics(), []);
  });

  test("the file is private to its owner", async () => {
    const path = join(tempDir(), "usage.jsonl");
    await createJsonlUsageStore(path).recordUsage(usageRecord());
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  test("a file written by the reference (CRLF, blank lines) reads back", async () => {
    const path = join(tempDir(), "usage.jsonl");
    const a = usageRecord();
    const b = usageRecord();
    writeFileSync(path, JSON.stringify(a) + "\r\n\r\n   \n" + JSON.stringify(b) + "\n");
    assert.deepEqual(await createJsonlUsageStore(path).getUsageRecords(), [a, b]);
  });

  test("corrupt lines are skipped and reported; the file is never rewritten", async () => {
    const path = join(tempDir(), "usage.jsonl");
    const a = usageRecord({ apiKeyId: "sk-very-secret" });
    const b = usageRecord();
    const original = JSON.stringify(a) + "\n{\"apiKey\":\"sk-very-secret\", oops\n" + JSON.stringify(b) + "\n";
    writeFileSync(path, original);
    const store = createJsonlUsageStore(path);
    assert.deepEqual(await store.getUsageRecords(), [a, b]);
    const [diagnostic, ...rest] = store.getLastReadDiagnostics();
    assert.equal(rest.length, 0);
    assert.equal(diagnostic.line, 2);
    assert.equal(diagnostic.byteOffset, Buffer.byteLength(JSON.stringify(a)) + 1);
    assert.equal(diagnostic.code, "INVALID_JSON");
    assert.ok(!diagnostic.message.includes("sk-very-secret"), "diagnostics never echo content");
    assert.equal(readFileSync(path, "utf8"), original);
  });

  test("a torn last line is terminated before the next append", async () => {
    const path = join(tempDir(), "usage.jsonl");
    const a = usageRecord();
    const torn = JSON.stringify(usageRecord()).slice(0, 40);
    writeFileSync(path, JSON.stringify(a) + "\n" + torn);
    const store = createJsonlUsageStore(path);
    const before = await store.getUsageRecords();
    assert.deepEqual(before, [a]);
    assert.equal(store.getLastReadDiagnostics()[0].code, "TRUNCATED_LINE");
    const c = usageRecord();
    await store.recordUsage(c);
    assert.equal(readFileSync(path, "utf8"), JSON.stringify(a) + "\n" + torn + "\n" + JSON.stringify(c) + "\n");
    assert.deepEqual(await store.getUsageRecords(), [a, c]);
    assert.equal(store.getLastReadDiagnostics()[0].code, "INVALID_JSON");
  });

  test("a UTF-8 BOM is accepted", async () => {
    const path = join(tempDir(), "usage.jsonl");
    const a = usageRecord();
    writeFileSync(path, "\ufeff" + JSON.stringify(a) + "\n");
    assert.deepEqual(await createJsonlUsageStore(path).getUsageRecords(), [a]);
  });

  test("invalid records are rejected with a coded error naming the field, and nothing is written", async () => {
    const path = join(tempDir(), "usage.jsonl");
    const store = createJsonlUsageStore(path);
    await store.recordUsage(usageRecord());
    const before = readFileSync(path, "utf8");
    const cases = [
      [usageRecord({ usage: { input: -1, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0 } }), "usage.input"],
      [usageRecord({ status: "weird" }), "status"],
      [usageRecord({ routingMode: "auto" }), "routingMode"],
      [usageRecord({ timestamp: "not a date" }), "timestamp"],
      [usageRecord({ costUsd: Number.NaN }), "costUsd"],
      [usageRecord({ costUsd: Infinity }), "costUsd"],
      [{ ...usageRecord(), id: undefined }, "id"],
    ];
    for (const [record, path] of cases) {
      await assert.rejects(store.recordUsage(record), (error) => {
        assert.ok(error instanceof Error);
        assert.equal(error.code, "PIE_INVALID_USAGE_RECORD");
        assert.equal(error.path, path);
        assert.match(error.message, new RegExp(path.replace(".", "\\.")));
        return true;
      });
    }
    await assert.rejects(store.recordUsage(null), { code: "PIE_INVALID_USAGE_RECORD" });
    assert.equal(readFileSync(path, "utf8"), before);
  });

  test("a read error other than a missing file is a coded error", async () => {
    const dir = tempDir();
    const store = createJsonlUsageStore(dir); // a folder, not a file
    await assert.rejects(store.getUsageRecords(), (error) => error instanceof Error && error.code === "PIE_STORAGE_ERROR");
  });

  test("queryUsage and summarizeUsage equal the functions over getUsageRecords", async () => {
    const path = join(tempDir(), "usage.jsonl");
    const store = createJsonlUsageStore(path);
    for (let i = 0; i < 30; i++) {
      await store.recordUsage(usageRecord({ resolvedProvider: i % 3 ? "openai" : "anthropic", status: i % 4 ? "success" : "error" }));
    }
    const records = await store.getUsageRecords();
    const query = { provider: "openai", limit: 5 };
    assert.deepEqual(await store.queryUsage(query), queryUsageRecords(records, query));
    assert.deepEqual(await store.summarizeUsage(query), summarizeUsageRecords(queryUsageRecords(records, { provider: "openai" })));
  });

  test("appends by another writer are seen by the next read", async () => {
    const path = join(tempDir(), "usage.jsonl");
    const store = createJsonlUsageStore(path);
    await store.recordUsage(usageRecord());
    const other = usageRecord();
    appendFileSync(path, JSON.stringify(other) + "\n");
    assert.equal((await store.getUsageRecords()).length, 2);
  });
});

describe("InMemoryUsageStore", () => {
  test("keeps shallow copies in insertion order", () => {
    const store = createInMemoryUsageStore();
    assert.ok(store instanceof InMemoryUsageStore);
    const a = usageRecord({ timestamp: "2026-05-22T00:00:09.000Z" });
    const b = usageRecord({ timestamp: "2026-05-22T00:00:01.000Z" });
    store.recordUsage(a);
    store.recordUsage(b);
    const records = store.getUsageRecords();
    assert.deepEqual(records, [a, b]);
    assert.notEqual(records[0], a);
    assert.equal(records[0].usage, a.usage, "nested objects are shared, as in the reference");
    store.clear();
    assert.deepEqual(store.getUsageRecords(), []);
  });

  test("validates like the file store", () => {
    const store = createInMemoryUsageStore();
    assert.throws(() => store.recordUsage(usageRecord({ attemptCount: -2 })), { code: "PIE_INVALID_USAGE_RECORD", path: "attemptCount" });
    assert.deepEqual(store.getUsageRecords(), []);
  });
});

test("folders the stores create are private to their owner (0700)", async () => {
  const { statSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { createJsonlUsageStore, createJsonProviderConnectionStore } = await import("@pie-lab/storage");
  const { tempDir, usageRecord } = await import("./helpers.mjs");
  const root = tempDir("pie-modes");
  await createJsonlUsageStore(join(root, "a", "b", "usage.jsonl"), { saveIndex: false }).recordUsage(usageRecord());
  assert.equal(statSync(join(root, "a")).mode & 0o777, 0o700);
  assert.equal(statSync(join(root, "a", "b")).mode & 0o777, 0o700);
  await createJsonProviderConnectionStore(join(root, "c", "provider-connections.json")).createProviderConnection({ provider: "openai" });
  assert.equal(statSync(join(root, "c")).mode & 0o777, 0o700);
});
