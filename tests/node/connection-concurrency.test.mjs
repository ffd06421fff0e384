// Concurrent and crashing writers of provider-connections.json: nothing is lost, nothing is torn.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";

import lockfile from "proper-lockfile";

import { createJsonProviderConnectionStore } from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

const worker = join(import.meta.dirname, "connection-worker.mjs");

function spawnWorker(...args) {
  const child = spawn(process.execPath, [worker, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  child.output = "";
  child.stdout.on("data", (d) => (child.output += d));
  child.done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  return child;
}

async function names(path) {
  return (await createJsonProviderConnectionStore(path).getProviderConnections()).map((c) => c.name);
}

test("40 concurrent creates in one process leave 40 connections", async () => {
  const path = join(tempDir(), "provider-connections.json");
  const store = createJsonProviderConnectionStore(path);
  const created = await Promise.all(
    Array.from({ length: 40 }, (_, i) => store.createProviderConnection({ provider: "openai", name: `c${i}` })),
  );
  assert.equal(new Set(created.map((c) => c.id)).size, 40);
  assert.equal((await names(path)).length, 40);
  assert.deepEqual(
    created.map((c) => c.priority).sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i + 1),
    "priorities are unique: each create saw the previous one",
  );
});

test("4 processes x 40 creates leave 160 connections", async () => {
  const path = join(tempDir(), "provider-connections.json");
  const children = Array.from({ length: 4 }, (_, w) => spawnWorker("create", path, `w${w}`, "40"));
  const results = await Promise.all(children.map((c) => c.done));
  assert.deepEqual(results.map((r) => r.code), [0, 0, 0, 0]);
  const all = await names(path);
  assert.equal(all.length, 160);
  assert.equal(new Set(all).size, 160);
  assert.deepEqual(readdirSync(dirname(path)), ["provider-connections.json"], "no temp files or lock left behind");
});

test("a writer waits while the real proper-lockfile holds the lock", async () => {
  const path = join(tempDir(), "provider-connections.json");
  await createJsonProviderConnectionStore(path).updateSettings({});
  const release = await lockfile.lock(path);
  const child = spawnWorker("create", path, "blocked", "1");
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(child.output, "", "the writer is still waiting for the lock");
  assert.deepEqual(await names(path), [], "and has not written");
  await release();
  const { code } = await child.done;
  assert.equal(code, 0);
  assert.deepEqual(await names(path), ["blocked_0"]);
  // And the reverse: proper-lockfile cannot take the lock while our store... holds none now.
  const again = await lockfile.lock(path);
  await again();
});

test("writers killed mid-operation leave the old or the new file, never a partial one", async () => {
  const path = join(tempDir(), "provider-connections.json");
  let lastCount = 0;
  for (let round = 0; round < 8; round++) {
    const child = spawnWorker("churn", path);
    // Kill it at a random point of its work, not of its start-up (a loaded machine can take
    // longer than the delay to start Node): wait for READY first, bounded.
    const ready = Date.now() + 10_000;
    while (!child.output.includes("READY") && Date.now() < ready) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 250)));
    child.kill("SIGKILL");
    await child.done;
    if (!existsSync(path)) {
      // Killed before its first write committed (a slow start): the old state is "no file".
      assert.equal(lastCount, 0, "a committed file never disappears");
      continue;
    }
    const text = readFileSync(path, "utf8");
    const state = JSON.parse(text); // never torn
    assert.ok(text.endsWith("\n}\n"));
    assert.ok(state.connections.length >= lastCount, "no committed connection is lost");
    lastCount = state.connections.length;
    const store = createJsonProviderConnectionStore(path);
    assert.equal((await store.getProviderConnections()).length, lastCount);
  }
  assert.ok(lastCount > 0, "the writers made progress");
  // A lock left by a killed writer goes stale and the next write still succeeds.
  const store = createJsonProviderConnectionStore(path);
  await store.createProviderConnection({ provider: "after-crash" });
  assert.equal((await store.getProviderConnections({ provider: "after-crash" })).length, 1);
});
