// acquireProviderConnection: selection and round-robin bookkeeping in one locked step.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

import { createInMemoryProviderConnectionStore, createJsonProviderConnectionStore } from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

async function seed(store) {
  for (const name of ["a", "b", "c"]) await store.createProviderConnection({ provider: "openai", authType: "apikey", name, apiKey: name });
  await store.updateSettings({ fallbackStrategy: "round-robin", stickyRoundRobinLimit: 2 });
}

const expected = (n) => Array.from({ length: n }, (_, k) => ["a", "b", "c"][Math.floor(k / 2) % 3]);

test("one process: sticky round-robin with limit 2 takes turns a a b b c c", async () => {
  const store = createInMemoryProviderConnectionStore(undefined, { fixedNowMs: Date.parse("2026-05-22T00:00:00.000Z") });
  await seed(store);
  const names = [];
  for (let i = 0; i < 9; i++) names.push((await store.acquireProviderConnection("openai", "gpt-5.4")).connection.name);
  assert.deepEqual(names, expected(9));
});

test("4 processes acquiring concurrently produce exactly the single-process sequence", async () => {
  const path = join(tempDir(), "provider-connections.json");
  await seed(createJsonProviderConnectionStore(path));
  const worker = join(import.meta.dirname, "acquire-worker.mjs");
  const outputs = await Promise.all(
    [0, 1, 2, 3].map(
      () =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [worker, path, "10"], { stdio: ["ignore", "pipe", "inherit"] });
          let out = "";
          child.stdout.on("data", (d) => (out += d));
          child.on("error", reject);
          child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
        }),
    ),
  );
  const log = outputs.flatMap((out) => out.trim().split("\n").map((line) => JSON.parse(line)));
  assert.equal(log.length, 40);
  log.sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
  assert.equal(new Set(log.map((e) => e.at)).size, 40, "every acquisition has its own time");
  assert.deepEqual(log.map((e) => e.name), expected(40));
});

test("an all-locked provider reports when to retry; nothing is written", async () => {
  const store = createInMemoryProviderConnectionStore();
  const c = await store.createProviderConnection({ provider: "openai", modelLock_m: "2999-01-01T00:00:00.000Z", lastError: "x" });
  const selection = await store.acquireProviderConnection("openai", "m");
  assert.equal(selection.status, "unavailable");
  assert.equal(selection.retryAfter, "2999-01-01T00:00:00.000Z");
  assert.deepEqual(await store.getProviderConnectionById(c.id), c);
});
