// The `pie-storage` CLI as a user runs it: `node node-host/dist/cli/main.js` spawned on
// temporary agent directories. Every command, --json parsed and asserted, human output spot
// checked, exit codes 2/3/4, --help texts, no secret in any output, read commands write
// nothing, and the `pie-storage-usage` alias.

import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, appendFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

import * as storage from "@pie-lab/storage";
import { COMMANDS } from "../../node-host/dist/cli/main.js";
import { tempDir, usageRecord } from "./helpers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(root, "node-host", "dist", "cli", "main.js");
const ALIAS = join(root, "node-host", "dist", "cli", "usage-alias.js");
const KEY = "sk-cli-test-9f3a7c1e5b";
const PROXY_PASSWORD = "pw-cli-7d2e";

/** Everything every run printed, to grep for secrets at the end. */
const printed = [];

function spawnCli(script, args, { env = {}, input } = {}) {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [script, ...args],
      { env: { PATH: process.env.PATH, HOME: tempDir("pie-cli-home"), ...env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        printed.push(stdout, stderr);
        resolve({ code: error ? error.code : 0, stdout, stderr });
      },
    );
    child.stdin.end(input ?? "");
  });
}
const cli = (args, options) => spawnCli(MAIN, args, options);

/** Runs with --json and parses stdout (one JSON document). */
async function json(args, options, expectCode = 0) {
  const r = await cli([...args, "--json"], options);
  assert.equal(r.code, expectCode, `pie-storage ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** name → [size, mtime] of every entry under `dir`: what a read-only command must not change. */
function snapshot(dir) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      out[p] = [s.size, s.mtimeMs, s.mode];
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Runs a read command and checks the agent directory is exactly as before. */
async function readOnly(dir, args, options, expectCode = 0) {
  const before = snapshot(dir);
  const r = await cli([...args, "--agent-dir", dir], options);
  assert.equal(r.code, expectCode, `pie-storage ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  assert.deepEqual(snapshot(dir), before, `pie-storage ${args.join(" ")} changed the agent directory`);
  return r;
}

function writeUsage(dir, records) {
  writeFileSync(join(dir, "usage.jsonl"), records.map((r) => storage.usageRecordLine(r) + "\n").join(""), { mode: 0o600 });
}

const records = [
  usageRecord({ requestId: "req-a", attemptIndex: 0, status: "error", resolvedProvider: "openai", resolvedModel: "gpt-5.4", clientOrigin: "coding-agent" }),
  usageRecord({ requestId: "req-a", attemptIndex: 1, status: "success", resolvedProvider: "anthropic", resolvedModel: "claude", clientOrigin: "coding-agent" }),
  usageRecord({ requestId: "req-b", status: "success", resolvedProvider: "openai", resolvedModel: "gpt-5.4", clientOrigin: "pie-chat:web" }),
  usageRecord({ requestId: "req-c", status: "aborted", resolvedProvider: "openai", resolvedModel: "gpt-5.4", endpoint: "/v1/responses" }),
];

test("help: the root, every group and every command; no arguments is a usage error", async () => {
  const root = await cli(["--help"]);
  assert.equal(root.code, 0);
  for (const group of ["usage", "requests", "connections", "proxy-pools", "settings", "pricing", "routing", "cooldowns", "doctor", "serve"]) {
    assert.match(root.stdout, new RegExp(`^  ${group} `, "m"));
  }
  assert.match(root.stdout, /Exit codes: 0 ok, 1 failure, 2 usage error, 3 not found, 4 corrupt file/);
  assert.equal((await cli([])).code, 2);
  const group = await cli(["connections", "--help"]);
  assert.equal(group.code, 0);
  assert.match(group.stdout, /connections reorder <id> <id>…/);
  const runs = await Promise.all(COMMANDS.map((c) => cli([...c.path, "--help"])));
  for (const [i, c] of COMMANDS.entries()) {
    assert.equal(runs[i].code, 0, c.path.join(" "));
    assert.match(runs[i].stdout, new RegExp(`^Usage: pie-storage ${c.path.join(" ")}`), c.path.join(" "));
    assert.match(runs[i].stdout, /--agent-dir DIR/);
    assert.match(runs[i].stdout, /--json/);
  }
  const summary = runs[COMMANDS.findIndex((c) => c.path.join(" ") === "usage summary")].stdout;
  for (const flag of ["--provider P", "--model M", "--status S", "--endpoint E", "--origin O", "--from T", "--to T", "--order ORDER", "--file F"]) {
    assert.ok(summary.includes(flag), flag);
  }
});

test("usage errors exit 2 with a one-line message and a hint; --json gives an error document", async () => {
  for (const args of [["bogus"], ["usage", "bogus"], ["usage", "list", "--bogus"], ["usage", "show"], ["usage", "list", "--limit", "ten"], ["connections", "add"], ["settings", "set", "novalue"]]) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(" "));
    const lines = r.stderr.trim().split("\n");
    assert.ok(lines.length <= 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(lines[0], /^pie-storage: /);
  }
  assert.match((await cli(["usage", "list", "--bogus"])).stderr, /unknown flag --bogus/);
  const doc = await json(["usage", "list", "--bogus"], {}, 2);
  assert.equal(doc.error.exitCode, 2);
  assert.equal(doc.error.code, "PIE_CLI_USAGE");
});

test("usage: summary, list, show, series against the package's own results; missing and corrupt files", async () => {
  const dir = tempDir("pie-cli-usage");
  writeUsage(dir, records);
  const store = storage.createJsonlUsageStore(join(dir, "usage.jsonl"), { saveIndex: false });
  const summary = await json(["usage", "summary", "--agent-dir", dir]);
  assert.deepEqual(summary, { count: 4, summary: await store.summarizeUsage() });
  const openai = await json(["usage", "summary", "--agent-dir", dir, "--provider", "openai", "--status", "success,error"]);
  assert.deepEqual(openai.summary, await store.summarizeUsage({ provider: "openai", status: ["success", "error"] }));
  assert.equal(openai.count, 2);
  const grouped = await json(["usage", "summary", "--agent-dir", dir, "--group-by", "status,requestedModel", "--top", "1"]);
  assert.equal(grouped.summary.byStatus.length, 2);
  const top = await json(["usage", "summary", "--agent-dir", dir, "--top", "1"]);
  assert.deepEqual(top.summary, await store.summarizeUsage({}, { top: 1 }));
  const list = await json(["usage", "list", "--agent-dir", dir, "--limit", "2", "--order", "desc"]);
  assert.equal(list.count, 2);
  assert.deepEqual(list.records.map((r) => r.id), [records[3].id, records[2].id]);
  const origin = await json(["usage", "list", "--agent-dir", dir, "--origin", "pie-chat:web"]);
  assert.deepEqual(origin.records.map((r) => r.id), [records[2].id]);
  const endpoint = await json(["usage", "list", "--agent-dir", dir, "--endpoint", "/v1/responses"]);
  assert.deepEqual(endpoint.records.map((r) => r.id), [records[3].id]);
  const show = await json(["usage", "show", "req-a", "--agent-dir", dir]);
  assert.equal(show.requestId, "req-a");
  assert.equal(show.count, 2);
  assert.deepEqual(show.records.map((r) => r.attemptIndex), [0, 1]);
  assert.deepEqual(show.timeline.map((t) => [t.attemptIndex, t.status]), [[0, "error"], [1, "success"]]);
  assert.ok(Array.isArray(show.trace));
  assert.deepEqual(show.summary, await store.summarizeUsage({ requestId: "req-a" }));
  // The server's query reading (§7.1): an invalid status is no filter, a limit is clamped.
  assert.equal((await json(["usage", "list", "--agent-dir", dir, "--status", "bogus"])).count, 4);
  assert.equal((await json(["usage", "list", "--agent-dir", dir, "--limit=-5"])).count, 0);
  const series = await json(["usage", "series", "--agent-dir", dir, "--bucket", "day"]);
  assert.deepEqual(series, await store.summarizeUsageByTime({}, { bucket: "day" }));
  // Human output.
  const human = await readOnly(dir, ["usage", "summary"]);
  assert.match(human.stdout, /^Total: 4 attempts: 2 success, 1 error, 1 aborted, 0 skipped$/m);
  assert.match(human.stdout, /^By provider\n  key +records/m);
  assert.match((await readOnly(dir, ["usage", "list", "--limit", "1"])).stdout, /^timestamp +status +provider/);
  // Not found: an unknown request, a missing file (no demo data any more).
  assert.equal((await readOnly(dir, ["usage", "show", "nope"], {}, 3)).code, 3);
  const empty = tempDir("pie-cli-empty");
  const missing = await cli(["usage", "summary", "--agent-dir", empty]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /usage file not found/);
  assert.deepEqual(readdirSync(empty), []);
  // Partly corrupt: a warning; wholly corrupt: exit 4.
  appendFileSync(join(dir, "usage.jsonl"), "{torn\n");
  const partly = await cli(["usage", "summary", "--agent-dir", dir]);
  assert.equal(partly.code, 0);
  assert.match(partly.stderr, /1 line\(s\) of .* skipped/);
  writeFileSync(join(empty, "usage.jsonl"), "not json\n{\"also\": \n");
  assert.equal((await cli(["usage", "summary", "--agent-dir", empty])).code, 4);
  // PIE_LAB_USAGE_PATH picks the file when no --agent-dir is given.
  const viaEnv = await json(["usage", "summary"], { env: { PIE_LAB_USAGE_PATH: join(dir, "usage.jsonl") } });
  assert.equal(viaEnv.count, 4);
});

test("every read command leaves the agent directory as it was (no .pie-index, no lock, no file)", async () => {
  const dir = tempDir("pie-cli-read");
  writeUsage(dir, records);
  const seed = storage.createJsonProviderConnectionStore(join(dir, "provider-connections.json"));
  const pool = await seed.createProxyPool({ name: "p", proxyUrl: "http://u:p@127.0.0.1:9" });
  const c = await seed.createProviderConnection({ provider: "openai", authType: "apikey", apiKey: KEY, isActive: true, providerSpecificData: { proxyPoolId: pool.id } });
  const details = storage.createRequestDetailsStore(join(dir, "request-details"));
  await details.recordRequestDetail({ id: "d1", requestId: "req-a", provider: "openai", model: "gpt-5.4", status: "success" });
  chmodSync(dir, 0o700);
  const reads = [
    ["usage", "summary"], ["usage", "list"], ["usage", "show", "req-a"], ["usage", "series"],
    ["requests", "list"], ["requests", "show", "d1"],
    ["connections", "list"], ["connections", "show", c.id],
    ["proxy-pools", "list"], ["proxy-pools", "show", pool.id],
    ["settings", "get"], ["pricing", "list"],
    ["routing", "explain", "--provider", "openai"], ["routing", "preview", "gpt-5.4"],
    ["cooldowns", "list"], ["doctor"],
  ];
  for (const args of reads) {
    await readOnly(dir, args);
    await readOnly(dir, [...args, "--json"]);
  }
  assert.equal(readdirSync(dir).some((n) => n.endsWith(".pie-index")), false);
});

test("connections: add (key from stdin, PIE_API_KEY, or a flag with a warning), list, update, enable/disable, reorder, remove, acquire; no key printed", async () => {
  const dir = tempDir("pie-cli-conn");
  const file = join(dir, "provider-connections.json");
  const a = (await json(["connections", "add", "--agent-dir", dir, "--provider", "openai", "--name", " work ", "--priority", "2", "--api-key-stdin"], { input: `${KEY}\n` })).connection;
  assert.equal(a.name, "work");
  assert.equal(a.hasApiKey, true);
  assert.equal(a.authType, "apikey");
  assert.equal(a.apiKey, undefined);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).connections[0].apiKey, KEY);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const b = (await json(["connections", "add", "--agent-dir", dir, "--provider", "openai", "--name", "home"], { env: { PIE_API_KEY: `${KEY}-2` } })).connection;
  assert.equal(b.hasApiKey, true);
  const flagged = await cli(["connections", "add", "--agent-dir", dir, "--provider", "anthropic", "--api-key", `${KEY}-3`, "--json"]);
  assert.equal(flagged.code, 0);
  assert.match(flagged.stderr, /shell history/);
  const c = JSON.parse(flagged.stdout).connection;
  const list = await json(["connections", "list", "--agent-dir", dir, "--provider", "openai"]);
  assert.equal(list.count, 2);
  assert.ok(list.connections.every((x) => x.apiKey === undefined && x.hasApiKey === true));
  const human = await cli(["connections", "list", "--agent-dir", dir]);
  assert.match(human.stdout, /^id +provider +name +auth +priority +active/);
  assert.match(human.stdout, /work/);
  const updated = (await json(["connections", "update", a.id, "--agent-dir", dir, "--name", "renamed", "--priority", "5"])).connection;
  assert.equal(updated.name, "renamed");
  assert.equal(updated.priority, 5);
  assert.equal((await cli(["connections", "update", a.id, "--agent-dir", dir])).code, 2);
  assert.equal((await json(["connections", "disable", a.id, "--agent-dir", dir])).connection.isActive, false);
  assert.equal((await json(["connections", "enable", a.id, "--agent-dir", dir])).connection.isActive, true);
  const reordered = await json(["connections", "reorder", b.id, a.id, "--agent-dir", dir]);
  assert.deepEqual(reordered.connections.map((x) => [x.id, x.priority]), [[b.id, 1], [a.id, 2]]);
  assert.deepEqual((await json(["connections", "list", "--agent-dir", dir, "--provider", "openai"])).connections.map((x) => x.id), [b.id, a.id]);
  assert.equal((await cli(["connections", "reorder", b.id, "conn_nope", "--agent-dir", dir])).code, 3);
  const acquired = await json(["connections", "acquire", "--agent-dir", dir, "--provider", "openai", "--model", "gpt-5.4"]);
  assert.equal(acquired.status, "selected");
  assert.equal(acquired.connection.id, b.id);
  assert.equal(acquired.connection.apiKey, undefined);
  assert.equal((await cli(["connections", "acquire", "--agent-dir", dir, "--provider", "nobody"])).code, 3);
  // Soft delete as DELETE /provider-connections/:id: disabled, credentials cleared in the file.
  const soft = await json(["connections", "remove", b.id, "--agent-dir", dir]);
  assert.equal(soft.deleted, false);
  assert.equal(soft.connection.isActive, false);
  assert.equal(soft.connection.testStatus, "inactive");
  const stored = JSON.parse(readFileSync(file, "utf8")).connections.find((x) => x.id === b.id);
  assert.equal(stored.apiKey, null);
  assert.deepEqual(await json(["connections", "remove", c.id, "--hard", "--agent-dir", dir]), { success: true, deleted: true });
  assert.equal((await cli(["connections", "show", c.id, "--agent-dir", dir])).code, 3);
  assert.equal((await cli(["connections", "remove", "conn_nope", "--agent-dir", dir])).code, 3);
});

test("proxy pools: add (masked), list with bound counts, assign, remove refused while bound, test; no password printed", async () => {
  const dir = tempDir("pie-cli-pools");
  const pool = (await json(["proxy-pools", "add", "--agent-dir", dir, "--name", "office", "--url", `http://user:${PROXY_PASSWORD}@127.0.0.1:9`])).proxyPool;
  assert.equal(pool.proxyUrl, "http://user:****@127.0.0.1:9/");
  const conn = (await json(["connections", "add", "--agent-dir", dir, "--provider", "openai", "--proxy-pool", pool.id])).connection;
  assert.equal(conn.providerSpecificData.proxyPoolId, pool.id);
  assert.equal((await cli(["connections", "add", "--agent-dir", dir, "--provider", "openai", "--proxy-pool", "nope"])).code, 3);
  const list = await json(["proxy-pools", "list", "--agent-dir", dir]);
  assert.equal(list.count, 1);
  assert.equal(list.proxyPools[0].boundConnectionCount, 1);
  assert.equal(list.proxyPools[0].proxyUrl, "http://user:****@127.0.0.1:9/");
  const refused = await cli(["proxy-pools", "remove", pool.id, "--agent-dir", dir]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /in use by 1 connection/);
  const renamed = (await json(["proxy-pools", "update", pool.id, "--agent-dir", dir, "--name", "office-2", "--no-proxy", "localhost"])).proxyPool;
  assert.equal(renamed.name, "office-2");
  assert.equal(renamed.noProxy, "localhost");
  // A closed port: the test fails (exit 1) and records the result on the pool.
  const tested = await json(["proxy-pools", "test", pool.id, "--agent-dir", dir, "--timeout", "2000", "--target", "http://127.0.0.1:9/"], {}, 1);
  assert.equal(tested.ok, false);
  assert.equal(tested.proxyPool.testStatus, "error");
  assert.equal((await cli(["proxy-pools", "test", "nope", "--agent-dir", dir])).code, 3);
  await json(["connections", "update", conn.id, "--agent-dir", dir, "--proxy-pool", "none"]);
  assert.deepEqual(await json(["proxy-pools", "remove", pool.id, "--agent-dir", dir]), { success: true });
  assert.equal((await cli(["proxy-pools", "show", pool.id, "--agent-dir", dir])).code, 3);
});

test("settings, pricing, routing explain/preview, cooldowns list/clear, requests list/show", async () => {
  const dir = tempDir("pie-cli-misc");
  const set = await json(["settings", "set", "fallbackStrategy=round-robin", "stickyRoundRobinLimit=3", "--agent-dir", dir]);
  assert.equal(set.settings.fallbackStrategy, "round-robin");
  assert.equal(set.settings.stickyRoundRobinLimit, 3);
  assert.deepEqual(await json(["settings", "get", "fallbackStrategy", "--agent-dir", dir]), { fallbackStrategy: "round-robin" });
  assert.equal((await cli(["settings", "get", "nope", "--agent-dir", dir])).code, 2);

  const priced = await json(["pricing", "set", "openai", "gpt-5*", "--input", "1.25", "--output", "10", "--agent-dir", dir]);
  assert.deepEqual(priced.overrides, { openai: { "gpt-5*": { input: 1.25, output: 10 } } });
  const listed = await json(["pricing", "list", "--agent-dir", dir]);
  assert.deepEqual(listed.overrides, priced.overrides);
  assert.equal(listed.table.source, "genai-prices");
  assert.equal((await cli(["pricing", "set", "openai", "x", "--agent-dir", dir])).code, 2);
  assert.deepEqual(await json(["pricing", "reset", "openai", "gpt-5*", "--agent-dir", dir]), { deleted: true });
  assert.equal((await cli(["pricing", "reset", "openai", "gpt-5*", "--agent-dir", dir])).code, 3);
  assert.deepEqual(await json(["pricing", "reset", "--all", "--agent-dir", dir]), { reset: true });

  const store = storage.createJsonProviderConnectionStore(join(dir, "provider-connections.json"));
  const until = new Date(Date.now() + 3_600_000).toISOString();
  const a = await store.createProviderConnection({ provider: "openai", authType: "apikey", apiKey: KEY, isActive: true, priority: 1, "modelLock_gpt-5.4": until, testStatus: "unavailable" });
  const b = await store.createProviderConnection({ provider: "openai", authType: "apikey", apiKey: KEY, isActive: true, priority: 2 });
  const explained = await json(["routing", "explain", "--provider", "openai", "--model", "gpt-5.4", "--agent-dir", dir]);
  assert.equal(explained.selectedConnectionId, b.id);
  assert.equal(explained.candidates.find((x) => x.id === a.id).selectable, false);
  assert.ok(explained.candidates.find((x) => x.id === a.id).reasons.includes("model cooldown for gpt-5.4"));
  assert.match((await cli(["routing", "explain", "--provider", "openai", "--model", "gpt-5.4", "--agent-dir", dir])).stdout, /model cooldown for gpt-5\.4/);
  assert.equal((await cli(["routing", "explain", "--agent-dir", dir])).code, 2);
  const preview = await json(["routing", "preview", "openai/gpt-5.4", "--agent-dir", dir]);
  assert.equal(preview.requestedModel, "openai/gpt-5.4");
  assert.ok(Array.isArray(preview.routes));

  const cooldowns = await json(["cooldowns", "list", "--agent-dir", dir]);
  assert.equal(cooldowns.lockedModelCount, 1);
  assert.deepEqual(cooldowns.lockedModels[0].connectionIds, [a.id]);
  assert.equal(JSON.stringify(cooldowns).includes(KEY), false);
  assert.match((await cli(["cooldowns", "list", "--agent-dir", dir])).stdout, /openai +gpt-5\.4/);
  const cleared = await json(["cooldowns", "clear", "--provider", "openai", "--model", "gpt-5.4", "--agent-dir", dir]);
  assert.deepEqual(cleared, { ok: true, provider: "openai", model: "gpt-5.4", lockKey: "modelLock_gpt-5.4", clearedCount: 1 });
  assert.equal((await store.getProviderConnectionById(a.id)).testStatus, "active");
  assert.equal((await json(["cooldowns", "list", "--agent-dir", dir])).lockedModelCount, 0);
  assert.equal((await cli(["cooldowns", "clear", "--provider", "openai", "--agent-dir", dir])).code, 2);

  const details = storage.createRequestDetailsStore(join(dir, "request-details"));
  await details.recordRequestDetail({ id: "d1", requestId: "r1", provider: "openai", model: "gpt-5.4", status: "success", timestamp: new Date(Date.now() - 60_000).toISOString() });
  await details.recordRequestDetail({ id: "d2", requestId: "r2", provider: "anthropic", model: "claude", status: "error", timestamp: new Date().toISOString(), request: { headers: { authorization: `Bearer ${KEY}` } } });
  const page = await json(["requests", "list", "--agent-dir", dir]);
  assert.deepEqual(page, await details.getRequestDetails({}));
  assert.deepEqual(page.details.map((d) => d.id), ["d2", "d1"]);
  assert.match((await cli(["requests", "list", "--agent-dir", dir])).stdout, /^id +timestamp +status +provider/);
  assert.deepEqual((await json(["requests", "list", "--provider", "openai", "--agent-dir", dir])).details.map((d) => d.id), ["d1"]);
  assert.deepEqual((await json(["requests", "show", "d2", "--agent-dir", dir])).detail, await details.getRequestDetail("d2"));
  assert.equal((await cli(["requests", "show", "nope", "--agent-dir", dir])).code, 3);
});

test("doctor: all good, bad modes, stale locks, corrupt JSON with positions, corrupt usage lines without content, saved-index health", async () => {
  const dir = tempDir("pie-cli-doctor");
  chmodSync(dir, 0o700);
  // Enough records for a saving read to save the index (it saves from 1,024 new rows).
  const many = Array.from({ length: 1100 }, () => usageRecord());
  writeUsage(dir, many);
  const store = storage.createJsonProviderConnectionStore(join(dir, "provider-connections.json"));
  await store.createProviderConnection({ provider: "openai", authType: "apikey", apiKey: KEY, isActive: true });
  const good = await json(["doctor", "--agent-dir", dir]);
  assert.equal(good.ok, true);
  assert.equal(good.counts.error + good.counts.warning, 0);
  assert.match((await cli(["doctor", "--agent-dir", dir])).stdout, /all good/);

  // The saved index: current after a saving read, stale after an append, unusable when damaged.
  const usage = join(dir, "usage.jsonl");
  await storage.createJsonlUsageStore(usage).summarizeUsage();
  const index = storage.savedUsageIndexPath(usage);
  const health = async () => (await json(["doctor", "--agent-dir", dir, "--all"])).findings.find((f) => f.check === "saved-index");
  assert.equal((await health()).status, "current");
  appendFileSync(usage, storage.usageRecordLine(usageRecord()) + "\n");
  assert.equal((await health()).status, "stale");
  const bytes = readFileSync(index);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(index, bytes, { mode: 0o600 });
  const damaged = await json(["doctor", "--agent-dir", dir], {}, 1);
  assert.equal(damaged.findings.find((f) => f.check === "saved-index").status, "unusable");
  writeFileSync(index, "", { mode: 0o600 });

  // Modes and a stale lock: warnings, exit 1.
  chmodSync(join(dir, "provider-connections.json"), 0o644);
  mkdirSync(join(dir, "provider-connections.json.lock"));
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(dir, "provider-connections.json.lock"), old, old);
  const warned = await json(["doctor", "--agent-dir", dir], {}, 1);
  assert.deepEqual(
    warned.findings.filter((f) => f.severity === "warning").map((f) => f.check).sort(),
    ["lock", "mode", "saved-index"],
  );
  assert.equal(warned.findings.find((f) => f.check === "mode").found, "644");

  // Corrupt files: exit 4, positions and codes, never the content.
  writeFileSync(join(dir, "pricing-overrides.json"), `{\n  "overrides": {"openai": {"x": {"input": "${KEY}"}},\n}\n`, { mode: 0o600 });
  appendFileSync(usage, `{"id": "${KEY}", torn\n`);
  const corrupt = await cli(["doctor", "--agent-dir", dir, "--json"]);
  assert.equal(corrupt.code, 4);
  const report = JSON.parse(corrupt.stdout);
  const jsonError = report.findings.find((f) => f.check === "json" && f.severity === "error");
  assert.deepEqual([jsonError.line, jsonError.column], [3, 1]);
  const lines = report.findings.find((f) => f.check === "usage-lines");
  assert.equal(lines.severity, "error");
  assert.deepEqual(lines.lines.map((l) => [l.line, l.code]), [[many.length + 2, "INVALID_JSON"]]);
  assert.equal(lines.lines[0].byteOffset, statSync(usage).size - `{"id": "${KEY}", torn\n`.length);
  assert.equal(corrupt.stdout.includes(KEY) || corrupt.stderr.includes(KEY), false);
  const human = await cli(["doctor", "--agent-dir", dir]);
  assert.equal(human.code, 4);
  assert.match(human.stdout, new RegExp(`usage\\.jsonl: line ${many.length + 2} \\(byte \\d+\\): INVALID_JSON`));
  assert.match(human.stdout, /not valid JSON at line 3, column 1/);
  // A corrupt connection file is exit 4 for the commands that read it too.
  writeFileSync(join(dir, "provider-connections.json"), '{"connections": [', { mode: 0o600 });
  assert.equal((await cli(["connections", "list", "--agent-dir", dir])).code, 4);
});

/** Whether util-linux `script` is there to run a command on a pseudo-terminal. */
function hasScript() {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("a long operation shows a progress line on a terminal only, cleared at the end, never under --json", { skip: !hasScript() && "no `script`" }, async () => {
  const dir = tempDir("pie-cli-tty");
  // A proxy that accepts and never answers: the test runs until its timeout.
  const sockets = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${server.address().port}`;
    const pool = (await json(["proxy-pools", "add", "--agent-dir", dir, "--name", "slow", "--url", url])).proxyPool;
    const onTty = async (extra) => {
      const command = [process.execPath, MAIN, "proxy-pools", "test", pool.id, "--agent-dir", dir, "--timeout", "1200", "--target", "http://127.0.0.1:9/", ...extra]
        .map((a) => `'${a}'`)
        .join(" ");
      return new Promise((resolve) => execFile("script", ["-qec", command, "/dev/null"], { env: { PATH: process.env.PATH, HOME: dir } }, (e, stdout) => resolve(stdout)));
    };
    const human = await onTty([]);
    assert.match(human, /\r[|/\\-] testing proxy pool \S+ \d+\.\d s/);
    assert.ok(human.includes("\r\x1b[2K"), "the line is cleared");
    assert.match(human, /failed: /);
    const machine = await onTty(["--json"]);
    assert.equal(machine.includes("testing proxy pool"), false);
    assert.equal(JSON.parse(machine.trim()).ok, false);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test("serve starts the admin server on the agent directory, prints the URL and token on stderr, stops on SIGINT", async () => {
  const dir = tempDir("pie-cli-serve");
  const child = spawn(process.execPath, [MAIN, "serve", "--agent-dir", dir, "--port", "0"], { env: { PATH: process.env.PATH, HOME: dir } });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /admin page at (http:\/\/127\.0\.0\.1:\d+)\/#token=[0-9a-f]{48}\n/.exec(stderr);
      if (m && /token for changes \(header x-pie-admin-token\): [0-9a-f]{48}/.test(stderr)) resolve(m[1]);
    });
    child.on("exit", () => reject(new Error(`serve exited: ${stderr}`)));
  });
  assert.deepEqual(await (await fetch(`${url}/health`)).json(), { ok: true });
  assert.deepEqual(await (await fetch(`${url}/provider-connections`)).json(), { count: 0, connections: [] });
  const code = await new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.on("exit", (c) => resolve(c));
    child.kill("SIGINT");
  });
  assert.equal(code, 0);
  assert.match(stdout, /stopped/);
});

test("serve --demo on an empty agent directory serves a generated demo one and says so", async () => {
  const dir = tempDir("pie-cli-demo");
  const tmp = tempDir("pie-cli-demo-tmp");
  const child = spawn(process.execPath, [MAIN, "serve", "--demo", "--agent-dir", join(dir, "agent"), "--port", "0"], { env: { PATH: process.env.PATH, HOME: dir, TMPDIR: tmp } });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /admin page at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.on("exit", () => reject(new Error(`serve exited: ${stderr}`)));
  });
  try {
    assert.match(stderr, /has no usage and no connections; serving the demo agent directory .*pie-storage-demo-agent/);
    const summary = await (await fetch(`${url}/usage/summary`)).json();
    assert.equal(summary.count, 3000);
    const { connections } = await (await fetch(`${url}/provider-connections`)).json();
    assert.equal(connections.length, 5);
    assert.ok(!existsSync(join(dir, "agent")), "the user's agent directory is not created");
  } finally {
    child.kill("SIGINT");
  }
});

test("pie-storage-usage is `usage summary [--file F]`: same output, a missing file is exit 3", async () => {
  const dir = tempDir("pie-cli-alias");
  writeUsage(dir, records);
  const file = join(dir, "usage.jsonl");
  const alias = await spawnCli(ALIAS, [file, "--json"]);
  assert.equal(alias.code, 0);
  assert.deepEqual(JSON.parse(alias.stdout), await json(["usage", "summary", "--file", file]));
  const human = await spawnCli(ALIAS, [file]);
  assert.match(human.stdout, /^Total: 4 attempts/m);
  const viaEnv = await spawnCli(ALIAS, ["--json"], { env: { PIE_CODING_AGENT_DIR: dir } });
  assert.equal(JSON.parse(viaEnv.stdout).count, 4);
  const missing = await spawnCli(ALIAS, [join(dir, "nope.jsonl")]);
  assert.equal(missing.code, 3);
  assert.equal((await spawnCli(ALIAS, ["--help"])).code, 0);
  assert.equal(readdirSync(dir).length, 1);
});

test("no output of any run holds a stored secret; no progress line when not on a terminal", () => {
  assert.ok(printed.length > 100);
  assert.equal(printed.some((text) => text.includes("\r")), false);
  for (const text of printed) {
    assert.equal(text.includes(KEY), false, "an API key was printed");
    assert.equal(text.includes(PROXY_PASSWORD), false, "a proxy password was printed");
  }
});
