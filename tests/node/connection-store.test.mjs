// Provider-connection stores on real files: reference semantics (TV-9..TV-16), file format,
// compatibility with files the TypeScript package wrote, corrupt files, permissions, secrets.

import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import {
  createInMemoryProviderConnectionStore,
  createJsonProviderConnectionStore,
  createProxyPoolId,
  InMemoryProviderConnectionStore,
  JsonProviderConnectionStore,
  maskProxyUrl,
  toProviderConnectionSummary,
} from "@pie-lab/storage";

import { tempDir } from "./helpers.mjs";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TV2 = {
  fallbackStrategy: "fill-first",
  stickyRoundRobinLimit: 3,
  quotaStrategy: "prefer-remaining",
  quotaMinRemainingPercentage: 0,
  quotaMaxAgeMs: 300000,
  quotaRefreshBeforeSelection: true,
  quotaRefreshTtlMs: 60000,
  rtkEnabled: true,
  budgetLimits: { mode: "off", requestUsd: null, dailyUsd: null, monthlyUsd: null, providerLimits: {} },
  routerPolicy: { aliases: {}, intents: {}, combos: [], comboStrategy: "fallback", comboStickyLimit: 1, comboStrategies: {} },
  providerStrategies: {},
};

function stores() {
  return [
    ["json", () => createJsonProviderConnectionStore(join(tempDir(), "agent", "provider-connections.json"))],
    ["memory", () => createInMemoryProviderConnectionStore()],
  ];
}

for (const [kind, make] of stores()) {
  describe(`${kind} store: reference semantics`, () => {
    test("TV-2 a fresh store's settings", async () => {
      assert.deepEqual(await make().getSettings(), TV2);
    });

    test("TV-11 generated names, priorities and ids", async () => {
      const store = make();
      const a = await store.createProviderConnection({ provider: "openai", authType: "apikey" });
      const b = await store.createProviderConnection({ provider: "openai", authType: "apikey" });
      const c = await store.createProviderConnection({ provider: "openai", email: "a@b.c" });
      const d = await store.createProviderConnection({ provider: "openai", authType: "oauth", email: "a@b.c" });
      const e = await store.createProviderConnection({ provider: "anthropic", authType: "access_token" });
      assert.deepEqual(
        [a, b, c, d, e].map((x) => [x.name, x.priority, x.authType]),
        [
          ["API Key 1", 1, "apikey"],
          ["API Key 2", 2, "apikey"],
          ["Account 3", 3, "oauth"],
          ["a@b.c", 4, "oauth"],
          ["Account 1", 1, "access_token"],
        ],
      );
      for (const x of [a, b, c, d, e]) {
        assert.match(x.id, /^conn_[0-9a-f-]{36}$/);
        assert.equal(x.isActive, true);
        assert.match(x.createdAt, ISO);
        assert.equal(x.createdAt, x.updatedAt);
      }
    });

    test("TV-12 priority sort and TV-13 next priority", async () => {
      const store = make();
      // A null priority on create means "next"; a stored null comes from an update.
      for (const [name, priority] of [["a", 0], ["b", 5], ["c", null], ["d", 1]]) {
        const c = await store.createProviderConnection({ provider: "p", name });
        await store.updateProviderConnection(c.id, { priority });
      }
      assert.deepEqual((await store.getProviderConnections()).map((c) => c.name), ["d", "b", "a", "c"]);
      const other = make();
      await other.createProviderConnection({ provider: "p", priority: 5 });
      const unset = await other.createProviderConnection({ provider: "p" });
      await other.updateProviderConnection(unset.id, { priority: null });
      await other.createProviderConnection({ provider: "q", priority: 9 });
      assert.equal((await other.createProviderConnection({ provider: "p" })).priority, 6);
    });

    test("TV-13a filter by provider and isActive", async () => {
      const store = make();
      await store.createProviderConnection({ provider: "openai", name: "later", priority: 2 });
      await store.createProviderConnection({ provider: "openai", name: "first", priority: 1 });
      await store.createProviderConnection({ provider: "openai", name: "off", priority: 0, isActive: false });
      await store.createProviderConnection({ provider: "other", name: "x" });
      const active = await store.getProviderConnections({ provider: "openai", isActive: true });
      assert.deepEqual(active.map((c) => c.name), ["first", "later"]);
    });

    test("TV-14 protected fields and unknown ids", async () => {
      const store = make();
      const c = await store.createProviderConnection({ provider: "p", testStatus: "unknown", modelLock_x: null });
      await new Promise((r) => setTimeout(r, 5));
      const u = await store.updateProviderConnection(c.id, { id: "x", createdAt: "y", updatedAt: "z", foo: 1 });
      assert.equal(u.id, c.id);
      assert.equal(u.createdAt, c.createdAt);
      assert.notEqual(u.updatedAt, "z");
      assert.match(u.updatedAt, ISO);
      assert.equal(u.foo, 1);
      assert.equal(u.modelLock_x, null, "dynamic keys survive");
      assert.equal(await store.updateProviderConnection("nope", { foo: 2 }), null);
      assert.equal(await store.getProviderConnectionById("nope"), null);
      const removed = await store.updateProviderConnection(c.id, { foo: undefined });
      assert.equal("foo" in removed, false, "an explicit undefined deletes the key");
    });

    test("returned values are copies", async () => {
      const store = make();
      const c = await store.createProviderConnection({ provider: "p", providerSpecificData: { a: 1 } });
      c.providerSpecificData.a = 2;
      assert.equal((await store.getProviderConnectionById(c.id)).providerSpecificData.a, 1);
    });

    test("delete returns the removed connection, then null", async () => {
      const store = make();
      const c = await store.createProviderConnection({ provider: "p" });
      assert.deepEqual(await store.deleteProviderConnection(c.id), c);
      assert.equal(await store.deleteProviderConnection(c.id), null);
    });

    test("TV-4 explicit undefined resets a setting; updates are shallow", async () => {
      const store = make();
      await store.updateSettings({ fallbackStrategy: "round-robin", routerPolicy: { aliases: { a: "x/y" } } });
      const s = await store.updateSettings({ fallbackStrategy: undefined, providerStrategies: { openai: { fallbackStrategy: "round-robin", junk: 1 } } });
      assert.equal(s.fallbackStrategy, "fill-first");
      assert.deepEqual(s.routerPolicy.aliases, { a: "x/y" });
      assert.deepEqual(s.providerStrategies, { openai: { fallbackStrategy: "round-robin", junk: 1 } });
    });

    test("any value crosses as itself, marker-shaped objects included; undefined unsets a key in place", async () => {
      const store = make();
      const shaped = { m: { __pieUndefined: true }, l: { __pieLiteral: { x: 1 } }, n: [{ __pieUndefined: true }, undefined] };
      const c = await store.createProviderConnection({ provider: "p", keep: shaped, gone: undefined });
      assert.deepEqual(c.keep, { m: { __pieUndefined: true }, l: { __pieLiteral: { x: 1 } }, n: [{ __pieUndefined: true }, null] });
      assert.equal("gone" in c, false);
      const back = await store.getProviderConnectionById(c.id);
      const again = await store.updateProviderConnection(c.id, { keep: back.keep, meta: { __pieUndefined: true } });
      assert.deepEqual(again.keep, back.keep);
      assert.deepEqual(again.meta, { __pieUndefined: true });
      const unset = await store.updateProviderConnection(c.id, { meta: undefined, name: undefined });
      assert.equal("meta" in unset, false);
      assert.equal("name" in unset, false);
      const pools = await store.createProxyPool({ name: "P", proxyUrl: "http://h:1", tag: { __pieUndefined: true } });
      assert.deepEqual(pools.tag, { __pieUndefined: true });
      const settings = await store.updateSettings({ providerStrategies: { p: { __pieUndefined: true } } });
      assert.deepEqual(settings.providerStrategies, { p: { __pieUndefined: true } });
    });

    test("TV-9 proxy pool create and TV-10 order", async () => {
      const store = make();
      const p = await store.createProxyPool({ name: "  P ", proxyUrl: " 127.0.0.1:1 ", type: "Vercel", testStatus: "  " });
      assert.equal(p.name, "P");
      assert.equal(p.proxyUrl, "127.0.0.1:1");
      assert.equal(p.type, "http");
      assert.equal(p.noProxy, "");
      assert.equal(p.isActive, true);
      assert.equal(p.strictProxy, false);
      assert.equal(p.testStatus, "unknown");
      assert.equal(p.lastTestedAt, null);
      assert.equal(p.lastError, null);
      assert.match(p.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(p.createdAt, p.updatedAt);
      const relay = await store.createProxyPool({ id: "proxy_pool_relay", name: "R", proxyUrl: "https://relay", type: "vercel" });
      assert.equal(relay.id, "proxy_pool_relay");
      assert.equal(relay.type, "vercel");
      await store.updateProxyPool(p.id, { updatedAt: "ignored" });
      assert.deepEqual((await store.getProxyPools({ testStatus: "" })), []);
      assert.deepEqual((await store.getProxyPools({ isActive: true })).map((x) => x.name), ["P", "R"]);
      assert.equal(await store.updateProxyPool("nope", {}), null);
      assert.deepEqual(await store.deleteProxyPool(relay.id), relay);
    });
  });
}

describe("JsonProviderConnectionStore files", () => {
  test("TV-15 a missing file reads as defaults and is not created; writes are JSON.stringify(state, null, 2) + newline", async () => {
    const path = join(tempDir(), "agent", "provider-connections.json");
    const store = createJsonProviderConnectionStore(path);
    assert.ok(store instanceof JsonProviderConnectionStore);
    assert.deepEqual(await store.getSettings(), TV2);
    assert.deepEqual(await store.getProviderConnections(), []);
    assert.deepEqual(await store.getProxyPools(), []);
    assert.equal(existsSync(path), false);
    const c = await store.createProviderConnection({ provider: "openai", apiKey: "sk-1", authType: "apikey" });
    const text = readFileSync(path, "utf8");
    assert.ok(text.startsWith('{\n  "connections": ['));
    assert.ok(text.endsWith("\n}\n"));
    assert.equal(text, JSON.stringify({ connections: [c], settings: TV2, proxyPools: [] }, null, 2) + "\n");
    assert.equal(statSync(path).mode & 0o777, 0o600, "the file holds API keys");
  });

  test("TV-16 read normalization (file) versus the in-memory seed", async () => {
    const path = join(tempDir(), "provider-connections.json");
    const seed = { connections: [{ id: "c", provider: "p", isActive: "false" }] };
    writeFileSync(path, JSON.stringify(seed));
    const fromFile = await createJsonProviderConnectionStore(path).getProviderConnectionById("c");
    assert.equal(fromFile.authType, "oauth");
    assert.equal(fromFile.isActive, true);
    assert.match(fromFile.createdAt, ISO);
    assert.match(fromFile.updatedAt, ISO);
    const memory = createInMemoryProviderConnectionStore(seed);
    assert.ok(memory instanceof InMemoryProviderConnectionStore);
    const fromMemory = await memory.getProviderConnectionById("c");
    assert.equal(fromMemory.isActive, "false");
    assert.equal("authType" in fromMemory, false);
    memory.clear();
    assert.deepEqual(await memory.getProviderConnections(), []);
  });

  test("a file in the reference's format reads back and rewrites byte for byte", async () => {
    const path = join(tempDir(), "provider-connections.json");
    const state = {
      connections: [
        {
          id: "conn_1", provider: "openai", authType: "apikey", name: "API Key 1", priority: 1, isActive: true,
          apiKey: "sk-test", providerSpecificData: { source: "auth.json", "2": "int key", proxyPoolId: "pp" },
          modelLock_gpt: "2026-05-22T00:00:02.000Z", modelLock___all: null, expiresAt: 1779408090000,
          backoffLevel: 1.5e-7, createdAt: "2026-05-22T00:00:00.000Z", updatedAt: "2026-05-22T00:00:00.000Z",
        },
      ],
      settings: { ...TV2, stickyRoundRobinLimit: "abc", providerStrategies: { openai: { fallbackStrategy: "round-robin" } } },
      proxyPools: [
        { id: "pp", name: "P", proxyUrl: "http://u:p@h:1", noProxy: "", type: "http", isActive: true, strictProxy: false,
          testStatus: "unknown", lastTestedAt: null, lastError: null, createdAt: "2026-05-22T00:00:00.000Z", updatedAt: "2026-05-22T00:00:00.000Z", extra: [1e21] },
      ],
    };
    const text = JSON.stringify(state, null, 2) + "\n";
    writeFileSync(path, text);
    const store = createJsonProviderConnectionStore(path);
    assert.deepEqual(await store.getProviderConnectionById("conn_1"), JSON.parse(text).connections[0]);
    // A no-op mutation (unknown id) does not write; a settings update rewrites everything else identically.
    await store.updateProviderConnection("missing", { x: 1 });
    assert.equal(readFileSync(path, "utf8"), text);
    await store.updateSettings({});
    assert.equal(readFileSync(path, "utf8"), text);
  });

  for (const [label, content] of [
    ["empty", ""],
    ["truncated", '{\n  "connections": [\n    {"id": "c", "apiKey": "sk-secret-123"'],
    ["invalid JSON", "{ not json, apiKey: sk-secret-123 }"],
    ["null", "null"],
    ["connections not an array", '{"connections": {"apiKey": "sk-secret-123"}}'],
  ]) {
    test(`a ${label} file is reported, never overwritten, and mutations are refused`, async () => {
      const path = join(tempDir(), "provider-connections.json");
      writeFileSync(path, content);
      const store = createJsonProviderConnectionStore(path);
      const check = (error) => {
        assert.ok(error instanceof Error);
        assert.equal(error.code, "PIE_CORRUPT_FILE");
        assert.ok(error.message.includes(path), "the message names the file");
        assert.ok(!error.message.includes("sk-secret"), "no secret in the message");
        return true;
      };
      await assert.rejects(store.getSettings(), check);
      await assert.rejects(store.createProviderConnection({ provider: "p" }), check);
      await assert.rejects(store.updateSettings({ rtkEnabled: false }), check);
      assert.equal(readFileSync(path, "utf8"), content);
    });
  }

  test("invalid JSON errors give the position", async () => {
    const path = join(tempDir(), "provider-connections.json");
    writeFileSync(path, '{\n  "connections": [,]\n}');
    await assert.rejects(createJsonProviderConnectionStore(path).getSettings(), /line 2 column \d+/);
  });

  test("a rewrite keeps the file's permissions", async () => {
    const path = join(tempDir(), "provider-connections.json");
    const store = createJsonProviderConnectionStore(path);
    await store.createProviderConnection({ provider: "p" });
    chmodSync(path, 0o640);
    await store.createProviderConnection({ provider: "p" });
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });

  test("malformed settings parts the reference crashes on are skipped", async () => {
    const path = join(tempDir(), "provider-connections.json");
    writeFileSync(
      path,
      JSON.stringify({
        connections: [],
        settings: { budgetLimits: { providerLimits: { openai: null, anthropic: { mode: "warn" } } }, routerPolicy: { combos: [null, { name: "c", models: "a/x" }] } },
      }),
    );
    const s = await createJsonProviderConnectionStore(path).getSettings();
    assert.deepEqual(Object.keys(s.budgetLimits.providerLimits), ["anthropic"]);
    assert.deepEqual(s.routerPolicy.combos.map((c) => c.name), ["c"]);
  });
});

describe("secret hygiene", () => {
  test("toProviderConnectionSummary hides credentials", () => {
    const summary = toProviderConnectionSummary({
      id: "c", provider: "p", authType: "apikey", isActive: true, apiKey: "sk-1", accessToken: null, refreshToken: "r",
      providerSpecificData: { source: "auth.json", clientSecret: "s", apiKeyId: "k", proxyPoolId: "pp" },
      createdAt: "t", updatedAt: "t",
    });
    assert.equal("apiKey" in summary, false);
    assert.equal("refreshToken" in summary, false);
    assert.equal(summary.hasApiKey, true);
    assert.equal(summary.hasAccessToken, false);
    assert.equal(summary.hasRefreshToken, true);
    assert.deepEqual(summary.providerSpecificData, { source: "auth.json", clientSecret: "[redacted]", apiKeyId: "[redacted]", proxyPoolId: "pp" });
    assert.ok(!JSON.stringify(summary).includes("sk-1"));
  });

  test("maskProxyUrl hides passwords only", () => {
    assert.equal(maskProxyUrl("http://user:pass@proxy.example:8080"), "http://user:****@proxy.example:8080/");
    assert.equal(maskProxyUrl("http://proxy.example:8080/"), "http://proxy.example:8080/");
    assert.equal(maskProxyUrl("127.0.0.1:1"), "127.0.0.1:1");
    // The same as the platform's URL would print.
    const url = new URL("socks5://a:b@h:1/x?y");
    url.password = "****";
    assert.equal(maskProxyUrl("socks5://a:b@h:1/x?y"), url.href);
  });

  test("createProxyPoolId is a bare UUID", () => {
    assert.match(createProxyPoolId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
