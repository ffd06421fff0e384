// Failure marking and success clearing on stored connections (§6.3, §6.4, TV-26).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

import { createJsonProviderConnectionStore, selectProviderConnection } from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

const NOW = Date.parse("2026-05-22T00:00:00.000Z");

test("TV-26 a rate limit locks the model, the next selection skips the account, success clears it", async () => {
  const store = createJsonProviderConnectionStore(join(tempDir(), "provider-connections.json"));
  const one = await store.createProviderConnection({ provider: "openai", authType: "apikey", name: "openai_conn_1", apiKey: "k1" });
  await store.createProviderConnection({ provider: "openai", authType: "apikey", name: "openai_conn_2", apiKey: "k2" });
  const error = Object.assign(new Error("rate limit exceeded"), { status: 429 });
  const marked = await store.markProviderConnectionUnavailable(one.id, "test-openai-model", error, NOW);
  assert.equal(marked.testStatus, "unavailable");
  assert.equal(marked.lastError, "rate limit exceeded");
  assert.equal(marked.errorCode, 429);
  assert.equal(marked.backoffLevel, 1);
  assert.equal(marked.lastErrorAt, "2026-05-22T00:00:00.000Z");
  assert.equal(marked["modelLock_test-openai-model"], "2026-05-22T00:00:02.000Z");

  const connections = await store.getProviderConnections({ provider: "openai", isActive: true });
  const selection = selectProviderConnection({
    provider: "openai", model: "test-openai-model", connections, settings: await store.getSettings(), now: NOW + 1000,
  });
  assert.equal(selection.status, "selected");
  assert.equal(selection.connection.name, "openai_conn_2");

  const cleared = await store.clearProviderConnectionError(one.id, "test-openai-model", NOW + 1000);
  assert.equal(cleared.testStatus, null);
  assert.equal(cleared.lastError, null);
  assert.equal(cleared.errorCode, null);
  assert.equal(cleared.backoffLevel, 0);
  assert.equal(cleared["modelLock_test-openai-model"], null);
});

test("TV-26 a provider reset time wins over the backoff and resets the level", async () => {
  const store = createJsonProviderConnectionStore(join(tempDir(), "provider-connections.json"));
  const c = await store.createProviderConnection({ provider: "codex", backoffLevel: 3 });
  const marked = await store.markProviderConnectionUnavailable(
    c.id, "gpt-5.3-codex", { status: 429, error: { type: "usage_limit_reached", resets_in_seconds: 600 } }, NOW,
  );
  assert.equal(marked["modelLock_gpt-5.3-codex"], "2026-05-22T00:10:00.000Z");
  assert.equal(marked.backoffLevel, 0);
  assert.equal(await store.markProviderConnectionUnavailable("missing", "m", "x", NOW), null);
});

test("clearing keeps the error while another model's lock is active, and writes nothing when clean", async () => {
  const store = createJsonProviderConnectionStore(join(tempDir(), "provider-connections.json"));
  const c = await store.createProviderConnection({ provider: "p" });
  await store.markProviderConnectionUnavailable(c.id, "a", "overloaded", NOW);
  await store.markProviderConnectionUnavailable(c.id, "b", "overloaded", NOW);
  const partly = await store.clearProviderConnectionError(c.id, "a", NOW + 500);
  assert.equal(partly.modelLock_a, null);
  assert.equal(typeof partly.modelLock_b, "string");
  assert.equal(partly.testStatus, "unavailable", "b is still locked");
});

test("4 processes marking the same connection concurrently lose no lock", async () => {
  const path = join(tempDir(), "provider-connections.json");
  const store = createJsonProviderConnectionStore(path);
  const c = await store.createProviderConnection({ provider: "p" });
  const worker = join(import.meta.dirname, "health-worker.mjs");
  await Promise.all(
    ["w0", "w1", "w2", "w3"].map(
      (tag) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [worker, path, c.id, tag, "10"], { stdio: "inherit" });
          child.on("error", reject);
          child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
        }),
    ),
  );
  const after = await store.getProviderConnectionById(c.id);
  const locks = Object.keys(after).filter((k) => k.startsWith("modelLock_"));
  assert.equal(locks.length, 40, "every process's lock survived every other's write");
});

test("marks and clears racing from two processes never drop each other's fields", async () => {
  const path = join(tempDir(), "provider-connections.json");
  const store = createJsonProviderConnectionStore(path);
  const c = await store.createProviderConnection({ provider: "p" });
  const run = (script, args) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(import.meta.dirname, script), path, c.id, ...args], { stdio: "inherit" });
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${script} exit ${code}`))));
    });
  await Promise.all([run("health-worker.mjs", ["a", "15"]), run("clear-worker.mjs", ["b", "15"])]);
  const after = await store.getProviderConnectionById(c.id);
  const aLocks = Object.keys(after).filter((k) => k.startsWith("modelLock_a_"));
  assert.equal(aLocks.length, 15, "no mark was lost to a concurrent clear");
  assert.equal(after.testStatus, "unavailable", "clearing b keeps the error while a-locks are active");
});

test("mark and clear default `now` to the store's clock (a fixedNowMs store writes its fixed time)", async () => {
  const { createInMemoryProviderConnectionStore: make } = await import("@pie-lab/storage");
  const fixed = Date.parse("2026-05-22T00:00:00.000Z");
  const store = make(undefined, { fixedNowMs: fixed });
  const conn = await store.createProviderConnection({ provider: "openai", apiKey: "sk-test" });
  const marked = await store.markProviderConnectionUnavailable(conn.id, "gpt-5.4", { status: 429, message: "rate limit" });
  assert.equal(marked.lastErrorAt, "2026-05-22T00:00:00.000Z");
  const lock = Date.parse(marked["modelLock_gpt-5.4"]);
  assert.ok(lock > fixed && lock <= fixed + 300_000, `lock ${marked["modelLock_gpt-5.4"]} follows the fixed clock`);
  // At the fixed time the lock is still active, so a clear of another model keeps the error.
  const cleared = await store.clearProviderConnectionError(conn.id, "other-model");
  assert.equal(cleared.lastErrorAt, "2026-05-22T00:00:00.000Z");
});
