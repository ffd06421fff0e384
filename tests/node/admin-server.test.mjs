// The admin server (`pie-storage serve`) over HTTP on 127.0.0.1: reference §7 routes (shapes,
// status codes, error bodies, CORS, /v1 prefixes), the dashboard client's calls, the token on
// every mutating request, body limits, the extras (raw JSONL, chart, request details, the event
// stream, pricing) and no secret in any answer.

import assert from "node:assert/strict";
import { appendFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import * as storage from "@pie-lab/storage";
import { startAdminServer } from "@pie-lab/storage/admin";
import { tempDir, usageRecord } from "./helpers.mjs";

const SECRET = "sk-admin-test-SECRET-9f3b";
const PROXY_PASSWORD = "pw-admin-SECRET-77";
const TOKEN = "test-token-0123456789";
const seen = [];

let server;
let dir;

async function request(method, path, { body, token = TOKEN, raw, headers = {} } = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { "x-pie-admin-token": token } : {}),
      ...headers,
    },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  seen.push(text);
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

before(async () => {
  dir = tempDir("pie-admin-server");
  const usage = storage.createJsonlUsageStore(join(dir, "usage.jsonl"));
  await usage.recordUsage(usageRecord({ id: "u1", requestId: "req-1", attemptIndex: 0, attemptCount: 2, status: "error", routingMode: "fallback", errorMessage: "rate limited", trace: [{ timestamp: "2026-05-22T00:00:01.000Z", phase: "attempt.error" }] }));
  await usage.recordUsage(usageRecord({ id: "u2", requestId: "req-1", attemptIndex: 1, attemptCount: 2, resolvedProvider: "anthropic", resolvedModel: "claude", routingMode: "fallback" }));
  await usage.recordUsage(usageRecord({ id: "u3", requestId: "req-2", clientOrigin: "dashboard:media-test" }));
  server = await startAdminServer({ agentDir: dir, port: 0, token: TOKEN });
});

after(async () => {
  await server?.close();
});

describe("reference §7.1 usage", () => {
  test("health, list, summary and one request, with and without /v1", async () => {
    assert.deepEqual((await request("GET", "/health")).json, { ok: true });
    for (const prefix of ["", "/v1"]) {
      const list = await request("GET", `${prefix}/usage?limit=50&order=desc`);
      assert.equal(list.status, 200);
      assert.equal(list.headers.get("access-control-allow-origin"), "*");
      assert.deepEqual(list.json.records.map((r) => r.id), ["u3", "u2", "u1"]);
      assert.equal(list.json.count, 3);
      assert.ok(list.text.endsWith("\n"));
      const summary = await request("GET", `${prefix}/usage/summary?order=desc&limit=1`);
      assert.equal(summary.json.count, 3, "the summary never has a limit");
      assert.equal(summary.json.summary.error, 1);
      assert.deepEqual(summary.json.summary.byClientOrigin.map((g) => g.key).sort(), ["dashboard:media-test", "unknown"].sort());
    }
    const detail = await request("GET", "/usage/req-1");
    assert.equal(detail.json.count, 2);
    assert.deepEqual(detail.json.timeline.map((t) => [t.id, t.routeSource, t.tokens]), [["u1", "fallback", 15], ["u2", "fallback", 15]]);
    assert.deepEqual(detail.json.trace.map((t) => [t.recordId, t.eventIndex, t.provider]), [["u1", 0, "openai"]]);
    assert.equal((await request("GET", "/usage?status=error")).json.count, 1);
    assert.equal((await request("GET", "/usage?limit=-5")).json.count, 0);
  });

  test("unknown paths are 404, other methods 405, OPTIONS 204", async () => {
    const missing = await request("GET", "/v1/nothing");
    assert.deepEqual([missing.status, missing.json], [404, { error: { message: "Not found", path: "/v1/nothing" } }]);
    const post = await request("POST", "/usage", { body: {} });
    assert.deepEqual([post.status, post.json], [405, { error: { message: "Only GET and OPTIONS requests are supported." } }]);
    const options = await request("OPTIONS", "/provider-connections", { token: null });
    assert.equal(options.status, 204);
    assert.match(options.headers.get("access-control-allow-headers"), /content-type, authorization/);
  });
});

describe("the token", () => {
  test("a mutating request without it is 401, with a wrong one 403, and nothing is written", async () => {
    const before = await request("GET", "/provider-connections");
    const none = await request("POST", "/provider-connections", { body: { provider: "x" }, token: null });
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, "PIE_ADMIN_TOKEN_REQUIRED");
    assert.equal(none.headers.get("access-control-allow-origin"), null, "no CORS on mutating routes");
    const wrong = await request("POST", "/provider-connections", { body: { provider: "x" }, token: "nope" });
    assert.equal(wrong.status, 403);
    const bearer = await request("POST", "/admin/session", { token: null, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(bearer.status, 204);
    assert.deepEqual((await request("GET", "/provider-connections")).json, before.json);
  });

  test("bodies over 1 MiB are 413; bad JSON is 400", async () => {
    const big = await request("POST", "/proxy-pools", { raw: JSON.stringify({ name: "x".repeat(1.1 * 1024 * 1024), proxyUrl: "http://p" }), headers: { "content-type": "application/json" } });
    assert.equal(big.status, 413);
    const bad = await request("POST", "/proxy-pools", { raw: "{nope", headers: { "content-type": "application/json" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "PIE_INVALID_JSON");
  });
});

describe("reference §7.2 / §7.3 connections and proxy pools", () => {
  let connectionId;
  let poolId;

  test("create a connection: 201, redacted; 400 without a provider", async () => {
    const missing = await request("POST", "/provider-connections", { body: { name: "x" } });
    assert.deepEqual([missing.status, missing.json], [400, { error: "provider is required" }]);
    const created = await request("POST", "/v1/provider-connections", { body: { provider: "openai", name: " Main ", apiKey: ` ${SECRET} `, providerSpecificData: { clientSecret: SECRET, region: "eu" } } });
    assert.equal(created.status, 201);
    const c = created.json.connection;
    assert.equal(c.authType, "apikey");
    assert.equal(c.name, "Main");
    assert.equal(c.hasApiKey, true);
    assert.equal(c.apiKey, undefined);
    assert.equal(c.providerSpecificData.clientSecret, "[redacted]");
    connectionId = c.id;
    const stored = JSON.parse(readFileSync(join(dir, "provider-connections.json"), "utf8"));
    assert.equal(stored.connections[0].apiKey, SECRET, "the secret is stored trimmed, in the file only");
    assert.equal(statSync(join(dir, "provider-connections.json")).mode & 0o777, 0o600);
    const got = await request("GET", `/provider-connections/${connectionId}`);
    assert.equal(got.json.connection.id, connectionId);
    assert.deepEqual((await request("GET", "/provider-connections/nope")).json, { error: "Connection not found" });
  });

  test("pools: create masked, list with usage, assign (the dashboard's call), delete refused while bound", async () => {
    assert.deepEqual((await request("POST", "/proxy-pools", { body: { proxyUrl: "http://p" } })).json, { error: "Name is required" });
    const created = await request("POST", "/proxy-pools", { body: { name: "eu", proxyUrl: `http://user:${PROXY_PASSWORD}@proxy.example:8080` } });
    assert.equal(created.status, 201);
    assert.equal(created.json.proxyPool.proxyUrl, "http://user:****@proxy.example:8080/");
    poolId = created.json.proxyPool.id;
    const unknown = await request("PUT", `/provider-connections/${connectionId}`, { body: { proxyPoolId: "__none__" } });
    assert.deepEqual([unknown.status, unknown.json], [400, { error: "Proxy pool not found" }]);
    const assigned = await request("PUT", `/provider-connections/${connectionId}`, { body: { proxyPoolId: poolId } });
    assert.equal(assigned.json.connection.providerSpecificData.proxyPoolId, poolId);
    assert.equal(assigned.json.connection.providerSpecificData.region, "eu");
    const list = await request("GET", "/proxy-pools?includeUsage=true");
    assert.equal(list.json.proxyPools[0].boundConnectionCount, 1);
    const inUse = await request("DELETE", `/proxy-pools/${poolId}`);
    assert.deepEqual([inUse.status, inUse.json], [409, { error: "Proxy pool is currently in use", boundConnectionCount: 1 }]);
    // Sending the masked URL back keeps the stored credential.
    await request("PUT", `/proxy-pools/${poolId}`, { body: { proxyUrl: "http://user:****@proxy.example:8080/", name: "eu-2" } });
    const stored = JSON.parse(readFileSync(join(dir, "provider-connections.json"), "utf8"));
    assert.equal(stored.proxyPools[0].proxyUrl, `http://user:${PROXY_PASSWORD}@proxy.example:8080`);
    assert.equal(stored.proxyPools[0].name, "eu-2");
    await request("PUT", `/provider-connections/${connectionId}`, { body: { proxyPoolId: null } });
    assert.deepEqual((await request("DELETE", `/proxy-pools/${poolId}`)).json, { success: true });
    assert.equal((await request("GET", `/proxy-pools/${poolId}`)).status, 404);
  });

  test("soft delete clears the secrets; ?hard=true removes", async () => {
    const soft = await request("DELETE", `/provider-connections/${connectionId}`);
    assert.equal(soft.json.deleted, false);
    assert.equal(soft.json.connection.isActive, false);
    assert.equal(soft.json.connection.hasApiKey, false);
    const stored = JSON.parse(readFileSync(join(dir, "provider-connections.json"), "utf8"));
    assert.equal(stored.connections[0].apiKey, null);
    assert.deepEqual((await request("DELETE", `/provider-connections/${connectionId}?hard=true`)).json, { success: true, deleted: true });
    assert.equal((await request("GET", "/provider-connections")).json.count, 0);
  });
});

describe("reference §7.4 settings, policy, selection, availability, budget", () => {
  test("settings and policy: the dashboard's saves", async () => {
    const saved = await request("PUT", "/provider-settings", { body: { settings: { fallbackStrategy: "round-robin", budgetLimits: { mode: "block", dailyUsd: "5" } } } });
    assert.equal(saved.json.settings.fallbackStrategy, "round-robin");
    assert.equal(saved.json.settings.budgetLimits.dailyUsd, 5);
    const policy = await request("PUT", "/routing-policy", { body: { policy: { aliases: { fast: "openai/gpt-5-mini" } } } });
    assert.equal(policy.json.policy.aliases.fast, "openai/gpt-5-mini");
    const combo = await request("POST", "/routing-policy/combos", { body: { name: "coding", models: "openai/gpt-5, anthropic/claude" } });
    assert.deepEqual(combo.json.combo.models, ["openai/gpt-5", "anthropic/claude"]);
    const preview = await request("POST", "/routing-policy/preview", { body: { model: "combo:coding" }, token: null });
    assert.equal(preview.status, 200, "the preview changes nothing and needs no token");
    assert.deepEqual(preview.json.routes.map((r) => r.id), ["openai/gpt-5", "anthropic/claude"]);
    const removed = await request("DELETE", "/routing-policy/combos/coding");
    assert.equal(removed.json.deleted, true);
    assert.equal((await request("GET", "/v1/routing-policy")).json.policy.combos.length, 0);
  });

  test("account selection, availability and clearing a cooldown", async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const a = await request("POST", "/provider-connections", { body: { provider: "openai", apiKey: SECRET } });
    await server.files.connections.updateProviderConnection(a.json.connection.id, { "modelLock_gpt-5": future, testStatus: "unavailable" });
    await request("POST", "/provider-connections", { body: { provider: "anthropic", apiKey: SECRET } });
    const selection = await request("GET", "/account-selection?model=gpt-5");
    assert.deepEqual(selection.json.data.map((d) => d.provider), ["anthropic", "openai"]);
    const openai = selection.json.data[1];
    assert.equal(openai.candidates[0].selectable, false);
    assert.equal(openai.candidates[0].reasons[0], "model cooldown for gpt-5");
    const availability = await request("GET", "/models/availability");
    assert.equal(availability.json.lockedModelCount, 1);
    assert.equal(availability.json.lockedModels[0].model, "gpt-5");
    assert.deepEqual((await request("POST", "/models/availability", { body: { action: "nope" } })).json, { error: "Invalid request" });
    const cleared = await request("POST", "/models/availability", { body: { action: "clearCooldown", provider: "openai", model: "gpt-5" } });
    assert.deepEqual(cleared.json, { ok: true, provider: "openai", model: "gpt-5", lockKey: "modelLock_gpt-5", clearedCount: 1 });
    assert.equal((await request("GET", "/models/availability")).json.lockedModelCount, 0);
    const c = await server.files.connections.getProviderConnectionById(a.json.connection.id);
    assert.equal(c.testStatus, "active");
  });

  test("budget", async () => {
    const budget = await request("GET", "/budget?provider=openai&estimateUsd=0.5");
    assert.equal(budget.json.budget.mode, "block");
    assert.equal(budget.json.budget.estimatedRequestUsd, 0.5);
  });
});

describe("extras", () => {
  test("raw JSONL, chart, request details, pricing", async () => {
    const jsonl = await request("GET", "/usage.jsonl");
    assert.equal(jsonl.text, readFileSync(join(dir, "usage.jsonl"), "utf8"));
    const summary = storage.summarizeUsageJsonl(jsonl.text);
    assert.equal(summary.records, 3);
    const chart = await request("GET", "/api/usage/chart?period=24h");
    assert.equal(chart.json.length, 24);
    assert.equal((await request("GET", "/api/usage/chart?period=1y")).status, 400);
    await server.files.requestDetails.recordRequestDetail({ id: "d1", provider: "openai", model: "gpt-5", timestamp: new Date().toISOString(), status: "success", request: { headers: { authorization: `Bearer ${SECRET}` } } });
    const details = await request("GET", "/api/usage/request-details?pageSize=5");
    assert.equal(details.json.pagination.pageSize, 5);
    assert.equal(details.json.details[0].id, "d1");
    assert.equal((await request("GET", "/api/usage/request-details/d1")).json.detail.id, "d1");
    assert.equal((await request("GET", "/api/usage/request-details/none")).status, 404);
    const set = await request("PUT", "/pricing", { body: { provider: "openai", model: "gpt-5", rates: { input: 1, output: 2 } } });
    assert.equal(set.status, 200);
    assert.equal((await request("GET", "/pricing")).json.overrides.openai["gpt-5"].input, 1);
    assert.deepEqual((await request("DELETE", "/pricing/openai/gpt-5")).json, { deleted: true });
  });

  test("the event stream sends appended records", async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/usage/stream`, { signal: controller.signal });
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    text += decoder.decode((await reader.read()).value);
    assert.match(text, /^: connected/);
    appendFileSync(join(dir, "usage.jsonl"), `${JSON.stringify(usageRecord({ id: "live-1" }))}\n`);
    const deadline = Date.now() + 5000;
    while (!text.includes("live-1") && Date.now() < deadline) text += decoder.decode((await reader.read()).value);
    controller.abort();
    assert.match(text, /event: usage\ndata: \{"id":"live-1"/);
  });

  test("the page and the package's browser entry are served; nothing outside them", async () => {
    const js = await request("GET", "/pkg/dist/browser.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type"), /text\/javascript/);
    assert.equal((await request("GET", "/pkg/package.json")).status, 404);
    assert.equal((await request("GET", "/admin/..%2F..%2Fpackage.json")).status, 404);
  });

  test("no answer held a secret, and the agent folder holds only the package's files", () => {
    for (const text of seen) {
      assert.ok(!text.includes(SECRET), "an API key reached an answer");
      assert.ok(!text.includes(PROXY_PASSWORD), "a proxy password reached an answer");
    }
    for (const name of readdirSync(dir)) assert.match(name, /^(usage\.jsonl(\.pie-index)?|provider-connections\.json|request-details|pricing-overrides\.json)$/);
  });
});
