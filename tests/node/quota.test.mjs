// The quota preparer in Node with fake fetchers on real files: the fetches run in parallel up to
// the bound, a throwing or hanging fetcher gives an error snapshot (redacted, timed out), the
// event loop keeps running, and provider-quota.json is private and holds no secret.

import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import * as storage from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

const SECRET = "sk-live-abcdefghijklmnopqrstuvwxyz012345";

async function connectionFile(n, provider = "codex") {
  const dir = tempDir("pie-quota");
  const store = storage.createJsonProviderConnectionStore(join(dir, "provider-connections.json"));
  const ids = [];
  for (let i = 0; i < n; i++) {
    const c = await store.createProviderConnection({ provider, authType: "oauth", priority: i + 1, accessToken: `${SECRET}-${i}` });
    ids.push(c.id);
  }
  return { dir, store, ids };
}

test("fetches run in parallel, never more than the bound, and a throwing fetcher gives an error snapshot", async () => {
  const { dir, store, ids } = await connectionFile(7);
  const quotaStore = storage.createJsonQuotaStore(join(dir, "provider-quota.json"));
  let inFlight = 0;
  let peak = 0;
  const fetchQuota = async (connection, { proxy }) => {
    assert.equal(proxy.type, "direct");
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await sleep(40);
    inFlight -= 1;
    if (connection.id === ids[6]) throw new Error(`401 for Bearer ${SECRET}`);
    return { plan: "plus", quotas: { session: { remaining: 25, total: 100, resetAt: "2026-01-01T05:00:00Z" } } };
  };
  const started = Date.now();
  const got = await storage.prepareProviderConnections(store, { provider: "codex", fetchQuota, quotaStore, concurrency: 3, env: {} });
  const elapsed = Date.now() - started;
  assert.equal(peak, 3, "bounded at 3 and parallel");
  assert.ok(elapsed < 7 * 40, `parallel: ${elapsed} ms for 7 fetches of 40 ms`);
  assert.equal(got.length, 7);
  const snapshots = got.map((c) => c.providerSpecificData.pieLabQuotaSelection);
  assert.deepEqual(snapshots.slice(0, 6).map((s) => [s.status, s.remainingPercentage]), Array(6).fill(["available", 25]));
  assert.equal(snapshots[6].status, "error");
  assert.equal(snapshots[6].message, "401 for Bearer ****");
  const quotaText = readFileSync(join(dir, "provider-quota.json"), "utf8");
  assert.ok(!quotaText.includes(SECRET), "no secret in provider-quota.json");
  assert.equal(statSync(join(dir, "provider-quota.json")).mode & 0o777, 0o600);
  assert.equal((await quotaStore.getQuotaWindows(ids[6])).message, "401 for Bearer ****");
  assert.equal((await quotaStore.listQuotaWindows())[ids[0]].windows[0].remaining, 25);
  // A second call within the TTL fetches nothing.
  let calls = 0;
  await storage.prepareProviderConnections(store, { provider: "codex", fetchQuota: () => (calls++, {}), quotaStore });
  assert.equal(calls, 0);
});

test("a fetcher that hangs is aborted after timeoutMs and counted as an error", async () => {
  const { store, ids } = await connectionFile(1);
  let aborted = false;
  const fetchQuota = (connection, { signal }) =>
    new Promise(() => signal.addEventListener("abort", () => (aborted = true)));
  const [c] = await storage.prepareProviderConnections(store, { provider: "codex", fetchQuota, timeoutMs: 30, env: {} });
  assert.equal(c.id, ids[0]);
  assert.ok(aborted, "the signal was aborted");
  assert.equal(c.providerSpecificData.pieLabQuotaSelection.status, "error");
  assert.match(c.providerSpecificData.pieLabQuotaSelection.message, /timed out after 30 ms/);
});

test("nothing blocks: timers keep firing while the preparer waits on fetches and the file lock", async () => {
  const { store } = await connectionFile(4);
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 5);
  try {
    const fetchQuota = async () => {
      await sleep(60);
      return { quotas: { s: { remainingPercentage: 50 } } };
    };
    await storage.prepareProviderConnections(store, { provider: "codex", fetchQuota, concurrency: 2, env: {} });
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 10, `the event loop ran (${ticks} ticks in about 120 ms)`);
});

test("the reference's factory: createQuotaAwareProviderConnectionPreparer(options)(provider)", async () => {
  const { store, ids } = await connectionFile(2);
  await store.updateSettings({ quotaStrategy: "off" });
  const prepare = storage.createQuotaAwareProviderConnectionPreparer({
    providerConnectionStore: store,
    fetchQuota: () => assert.fail("quotaStrategy off fetches nothing"),
  });
  assert.deepEqual((await prepare("codex")).map((c) => c.id), ids);
  await assert.rejects(
    storage.prepareProviderConnections({ getProviderConnections: async () => [] }, { provider: "codex", fetchQuota: () => ({}) }),
    (e) => e.code === "PIE_INVALID_INPUT",
  );
});

test("the default quota file sits beside provider-connections.json", () => {
  assert.equal(storage.getDefaultProviderQuotaFilePath({ PIE_CODING_AGENT_DIR: "/srv/agent" }, "/home/me"), "/srv/agent/provider-quota.json");
  assert.equal(storage.getDefaultProviderQuotaFilePath({}, "/home/me"), "/home/me/.pie/agent/provider-quota.json");
});
