// Runs the shared conformance vectors (tests/vectors/*.json) against the built npm package.
// The Rust suite runs the same files against the core (core/tests/vectors.rs).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";

import { appendFileSync, existsSync, mkdirSync, readdirSync as listDir, renameSync, statSync, writeFileSync } from "node:fs";

import * as storage from "@pie-lab/storage";
import { admin } from "@pie-lab/storage/admin";
// The operator rules are the CLI's and the admin server's, not package exports.
import * as operator from "../../node-host/dist/operator.js";
import { tempDir } from "./helpers.mjs";

const dir = join(import.meta.dirname, "..", "vectors");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

/**
 * `{"$number": "NaN"}` → NaN, `{"$date": iso}` → Date, `{"__pieUndefined": true}` → a present
 * `undefined`; everything else as is.
 */
function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === "object") {
    if ("$number" in value) return Number(value.$number);
    if ("$date" in value) return new Date(value.$date);
    if (value.__pieUndefined === true && Object.keys(value).length === 1) return undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}

function recordsOf(file, c) {
  return structuredClone(typeof c.records === "string" ? file.recordSets[c.records] : c.records);
}

function subsetMatches(expected, actual, path) {
  if (typeof expected === "number" && Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${path}: expected NaN, got ${actual}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => subsetMatches(e, actual[i], `${path}[${i}]`));
  } else if (expected && typeof expected === "object") {
    for (const [k, v] of Object.entries(expected)) {
      assert.ok(k in actual, `${path}.${k}: missing`);
      subsetMatches(v, actual[k], `${path}.${k}`);
    }
  } else {
    assert.equal(actual, expected, path);
  }
}

/** Numbers within 1e-9 (costs are sums of products of decimal rates); the rest exactly. */
function closeMatches(expected, actual, path) {
  if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: expected a number, got ${actual}`);
    assert.ok(Math.abs(expected - actual) <= 1e-9, `${path}: expected ${expected}, got ${actual}`);
  } else if (expected && typeof expected === "object" && !Array.isArray(expected)) {
    for (const [k, v] of Object.entries(expected)) closeMatches(v, actual?.[k] ?? null, `${path}.${k}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}

/** A chat vector's outcome: `expect` (deep equal), `expectSubset`, `expectError` (code),
 * `expectNotContaining` (strings absent from the result's JSON). */
async function chatOutcome(c, run) {
  if (c.expectError) {
    await assert.rejects(async () => run(), (e) => e.code === c.expectError, c.name);
    return;
  }
  const actual = await run();
  for (const secret of c.expectNotContaining ?? []) assert.ok(!JSON.stringify(actual).includes(secret), `holds ${secret}`);
  if ("expect" in c) assert.deepEqual(actual === undefined ? null : actual, c.expect);
  else if (c.expectSubset) subsetMatches(c.expectSubset, actual, "result");
}

/** Chat store steps on a temporary agent folder through createChatStateStore. */
async function chatStoreSteps(c) {
  const agent = tempDir("pie-vectors-chat");
  for (const [rel, content] of Object.entries(c.files ?? {})) {
    mkdirSync(dirname(join(agent, rel)), { recursive: true });
    writeFileSync(join(agent, rel), typeof content === "string" ? content : Buffer.from(content.$base64, "base64"));
  }
  const stamp = (rel) => {
    const s = statSync(join(agent, rel), { bigint: true });
    return `${s.ino}:${s.mtimeNs}`;
  };
  const store = storage.createChatStateStore(agent);
  for (const step of c.steps) {
    if (step.call) {
      const before = step.expectUntouched ? stamp(step.expectUntouched) : undefined;
      await chatOutcome(step, () => store[step.call](...decode(step.args)));
      if (before !== undefined) assert.equal(stamp(step.expectUntouched), before, `${step.expectUntouched} was rewritten`);
    }
    for (const [rel, text] of Object.entries(step.expectFile ?? {})) assert.equal(readFileSync(join(agent, rel), "utf8"), text, rel);
    if (step.expectMissing) assert.ok(!existsSync(join(agent, step.expectMissing)), `${step.expectMissing} exists`);
    for (const [rel, mode] of Object.entries(step.expectMode ?? {})) {
      assert.equal((statSync(join(agent, rel)).mode & 0o777).toString(8), mode, rel);
    }
  }
}

/** Pricing override steps on a real `pricing-overrides.json` through the Node store. */
async function pricingOverrideSteps(c) {
  const path = join(tempDir("pie-vectors-pricing"), "pricing-overrides.json");
  const store = storage.createJsonPriceOverrideStore(path);
  for (const step of c.steps) {
    let result;
    try {
      if (step.set) result = await store.setPriceOverride(...step.set);
      else if (step.delete) result = await store.deletePriceOverride(step.delete[0], step.delete[1] ?? undefined);
      else result = await store.resetPriceOverrides();
      assert.equal(step.expectError, undefined, `${JSON.stringify(step)}: expected ${step.expectError}`);
      if ("expectResult" in step) assert.deepEqual(result, step.expectResult);
    } catch (e) {
      if (step.expectError === undefined || e.code !== step.expectError) throw e;
    }
    if (step.expectState) assert.deepEqual(await store.listPriceOverrides(), step.expectState);
  }
}

function decodeBase64(b64) {
  return new Uint8Array(Buffer.from(b64, "base64"));
}

/**
 * Runs `paths` on every way the package reads usage (records, JSONL bytes, a chunked stream,
 * the JSONL store without a saved index, the in-memory store) and checks they agree and meet the
 * case; then the JSONL store with a saved index: the records repeated past the save threshold,
 * a first store saves the index, a store in a new folder (the files moved, so a new path in this
 * process) loads it, and both agree with the records path on the same repetition.
 */
async function everyPath(file, c, paths) {
  const records = recordsOf(file, c);
  const jsonl = (list) => new TextEncoder().encode(list.map((r) => JSON.stringify(r) + "\n").join(""));
  const chunks = (bytes) => Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.slice(i * 7, i * 7 + 7));
  const folder = tempDir("pie-vectors-series");
  const path = join(folder, "usage.jsonl");
  writeFileSync(path, jsonl(records));
  const memory = storage.createInMemoryUsageStore();
  for (const r of records) memory.recordUsage(r);
  const runs = {
    records: () => paths.records(structuredClone(records)),
    bytes: () => paths.bytes(jsonl(records)),
    stream: () => paths.stream(chunks(jsonl(records))),
    "JSONL store": () => paths.store(storage.createJsonlUsageStore(path, { saveIndex: false })),
    "in-memory store": () => paths.store(memory),
  };
  if (c.expectError) {
    for (const [what, run] of Object.entries(runs)) {
      await assert.rejects(async () => run(), { code: c.expectError }, what);
    }
    return;
  }
  const want = await runs.records();
  for (const [what, run] of Object.entries(runs)) assert.deepEqual(await run(), want, what);
  if (c.expectKeys) assert.deepEqual(Object.keys(want), c.expectKeys);
  if (c.expectExact) assert.equal(JSON.stringify(want), JSON.stringify(c.expectExact));
  else subsetMatches(decode(c.expect), want, "result");

  const many = Array.from({ length: Math.floor(1100 / records.length) + 1 }, () => records).flat();
  const first = join(tempDir("pie-vectors-saved"), "usage.jsonl");
  writeFileSync(first, jsonl(many));
  const built = await paths.store(storage.createJsonlUsageStore(first));
  const moved = join(tempDir("pie-vectors-saved"), "usage.jsonl");
  renameSync(first, moved);
  renameSync(storage.savedUsageIndexPath(first), storage.savedUsageIndexPath(moved));
  const loaded = await paths.store(storage.createJsonlUsageStore(moved));
  const wantMany = paths.records(structuredClone(many));
  assert.deepEqual(built, wantMany, "JSONL store building its index");
  assert.deepEqual(loaded, wantMany, "JSONL store loading the saved index");
}

/** Runs the steps of a request-details case on the store `open(folder)` makes; `onFiles`: the steps about its files too. */
async function detailSteps(c, open, onFiles) {
  const folder = join(tempDir("pie-request-details"), "request-details");
  let store;
  try {
    store = open(folder);
  } catch (error) {
    assert.ok(c.expectError, `options: ${error}`);
    assert.equal(error.code, c.expectError);
    return;
  }
  assert.ok(!c.expectError, "the options were accepted");
  const files = () => (existsSync(folder) ? listDir(folder).sort() : []);
  const segment = (name) => (existsSync(join(folder, name)) ? readFileSync(join(folder, name)) : Buffer.alloc(0));
  for (const [i, step] of c.steps.entries()) {
    const at = `step ${i}`;
    let got;
    try {
      if ("record" in step) got = await store.recordRequestDetail(step.record);
      else if ("page" in step) {
        const page = await store.getRequestDetails(step.page);
        got = { ids: page.details.map((d) => d.id), pagination: page.pagination };
      } else if ("detail" in step) got = await store.getRequestDetail(step.detail);
      else if ("providers" in step) got = await store.getRequestDetailProviders();
    } catch (error) {
      assert.ok(step.expectError, `${at}: ${error}`);
      assert.equal(error.code, step.expectError, at);
      continue;
    }
    assert.ok(!step.expectError, `${at}: expected ${step.expectError}`);
    if ("expectWritten" in step) assert.equal(got, step.expectWritten, at);
    if ("expectIds" in step) assert.deepEqual(got.ids, step.expectIds, at);
    if ("expectPagination" in step) subsetMatches(step.expectPagination, got.pagination, `${at} pagination`);
    if ("detail" in step && "expect" in step) {
      if (step.expect === null) assert.equal(got, null, at);
      else subsetMatches(step.expect, got, `${at} detail`);
    }
    if ("detail" in step && "expectExact" in step) assert.equal(JSON.stringify(got), JSON.stringify(step.expectExact), at);
    if ("providers" in step) assert.deepEqual(got, step.providers, at);
    if (onFiles && "files" in step) assert.deepEqual(files(), step.files, at);
    if ("appendRaw" in step) {
      mkdirSync(folder, { recursive: true });
      appendFileSync(join(folder, step.appendRaw.segment), step.appendRaw.text);
    }
    for (const [name, lines] of Object.entries((onFiles && step.segmentLines) || {})) {
      assert.equal(segment(name).toString("utf8").split("\n").length - 1, lines, `${at} ${name}`);
    }
    for (const [name, text] of Object.entries((onFiles && step.segmentStartsWith) || {})) {
      assert.ok(segment(name).toString("utf8").startsWith(text), `${at}: ${name} was changed`);
    }
    for (const secret of step.filesExclude ?? []) {
      for (const name of files()) assert.ok(!segment(name).toString("utf8").includes(secret), `${at}: ${name} holds ${secret}`);
    }
    if ("diagnostics" in step) {
      const diags = store.getLastReadDiagnostics().map(({ segment, line, byteOffset, code }) => ({ segment, line, byteOffset, code }));
      assert.deepEqual(diags, step.diagnostics, at);
    }
    if ("config" in step) subsetMatches(step.config, store.getConfig(), `${at} config`);
  }
}

const runners = {
  query(file, c) {
    const records = recordsOf(file, c);
    const result = storage.queryUsageRecords(records, decode(c.query));
    assert.deepEqual(result.map((r) => r.id), c.expect);
    // The same objects come back, not copies.
    for (const r of result) assert.ok(records.includes(r));
  },
  summary(file, c) {
    const summary = storage.summarizeUsageRecords(recordsOf(file, c));
    if (c.expectExact) assert.equal(JSON.stringify(summary), JSON.stringify(c.expectExact));
    else subsetMatches(decode(c.expect), summary, "summary");
  },
  summarizeQuery(file, c) {
    const records = recordsOf(file, c);
    const { limit: _limit, ...query } = decode(c.query);
    const summary = storage.summarizeUsageRecords(storage.queryUsageRecords(records, query));
    subsetMatches(decode(c.expect), summary, "summary");
    // The JSONL path of the core agrees with the object path.
    const jsonl = records.map((r) => JSON.stringify(r)).join("\n") + "\n";
    assert.deepEqual(storage.summarizeUsageJsonl(jsonl, decode(c.query)), summary);
  },
  /**
   * Every JS read path on the same bytes: parseUsageJsonl (text and bytes), JsonlUsageStore on a
   * temp file (getUsageRecords, queryUsage, summarizeUsage over its index), summarizeUsageJsonl
   * over bytes and over a stream of small chunks. They must agree with each other and with the
   * vector (the Rust suite runs the same paths of the core).
   */
  async jsonl(file, c) {
    const input = c.base64 ? decodeBase64(c.base64) : c.text;
    const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
    const pick = (list) => list.map(({ line, byteOffset, code }) => ({ line, byteOffset, code }));
    const { records, diagnostics } = storage.parseUsageJsonl(input);
    if (c.expectRecords) assert.deepEqual(records, decode(c.expectRecords));
    else assert.deepEqual(records.map((r) => r.id), c.expectRecordIds);
    assert.deepEqual(pick(diagnostics), c.expectDiagnostics);
    const fromBytes = storage.parseUsageJsonl(bytes);
    assert.deepEqual(fromBytes.records, records, "parseUsageJsonl(bytes)");
    assert.deepEqual(pick(fromBytes.diagnostics), c.expectDiagnostics, "parseUsageJsonl(bytes) diagnostics");

    const folder = tempDir("pie-vectors-jsonl");
    const path = join(folder, "usage.jsonl");
    writeFileSync(path, bytes);
    const store = storage.createJsonlUsageStore(path, { saveIndex: false });
    assert.deepEqual(await store.getUsageRecords(), records, "getUsageRecords");
    assert.deepEqual(pick(store.getLastReadDiagnostics()), c.expectDiagnostics, "getLastReadDiagnostics");
    for (const query of [{}, { order: "asc" }, { limit: 1 }]) {
      const want = storage.queryUsageRecords(structuredClone(records), query);
      assert.deepEqual(await store.queryUsage(query), want, `queryUsage(${JSON.stringify(query)})`);
    }
    const summary = storage.summarizeUsageRecords(storage.queryUsageRecords(structuredClone(records), {}));
    assert.deepEqual(await store.summarizeUsage({}), summary, "summarizeUsage");
    assert.deepEqual(storage.summarizeUsageJsonl(bytes), summary, "summarizeUsageJsonl(bytes)");
    assert.deepEqual(storage.summarizeUsageJsonl(input), summary, "summarizeUsageJsonl(input)");
    const chunks = [];
    for (let at = 0; at < bytes.length; at += 3) chunks.push(bytes.slice(at, at + 3));
    assert.deepEqual(await storage.summarizeUsageJsonl(chunks), summary, "summarizeUsageJsonl(stream)");
    const detailed = await storage.summarizeUsageJsonlDetailed(chunks);
    assert.deepEqual(pick(detailed.diagnostics), c.expectDiagnostics, "summarizeUsageJsonlDetailed(stream)");
    if (c.expectSummary) subsetMatches(decode(c.expectSummary), summary, "summary");
  },
  /** Steps on one usage file through JsonlUsageStore (its index), as in usage-file.json. */
  async usageFile(file, c) {
    const folder = tempDir("pie-usage-file");
    const path = join(folder, "usage.jsonl");
    const store = storage.createJsonlUsageStore(path);
    for (const [i, step] of c.steps.entries()) {
      const at = `step ${i}`;
      if ("append" in step) appendFileSync(path, step.append);
      else if ("rewrite" in step) writeFileSync(path, step.rewrite);
      else if ("replace" in step) {
        writeFileSync(`${path}.new`, step.replace);
        renameSync(`${path}.new`, path);
      } else if ("query" in step) {
        const records = await store.queryUsage(decode(step.query));
        assert.deepEqual(records.map((r) => r.id), step.expectIds, at);
      } else if ("summary" in step) {
        subsetMatches(decode(step.expect), await store.summarizeUsage(decode(step.summary)), `${at} summary`);
      } else if ("expectDiagnostics" in step) {
        const got = store.getLastReadDiagnostics().map(({ line, byteOffset, code }) => ({ line, byteOffset, code }));
        assert.deepEqual(got, step.expectDiagnostics, at);
      } else throw new Error(`${at}: unknown step`);
    }
  },
  /** summarizeUsageByTime on every path: records, JSONL bytes and stream, both stores. */
  async series(file, c) {
    const query = decode(c.query);
    await everyPath(file, c, {
      records: (records) => storage.summarizeUsageRecordsByTime(records, query, c.options),
      bytes: (bytes) => storage.summarizeUsageJsonlByTime(bytes, query, c.options),
      stream: (chunks) => storage.summarizeUsageJsonlByTime(chunks, query, c.options),
      store: (store) => store.summarizeUsageByTime(query, c.options),
    });
  },
  /** summarizeUsage with extra groups and top-N on every path. */
  async summaryGroups(file, c) {
    const { limit: _limit, ...query } = decode(c.query);
    await everyPath(file, c, {
      records: (records) => storage.summarizeUsageRecords(storage.queryUsageRecords(records, query), c.options),
      bytes: (bytes) => storage.summarizeUsageJsonl(bytes, query, c.options),
      stream: (chunks) => storage.summarizeUsageJsonl(chunks, query, c.options),
      store: (store) => store.summarizeUsage(query, c.options),
    });
  },
  /** evaluateBudget's windows start where the series' day and month buckets start. */
  budgetWindows(file, c) {
    const records = recordsOf(file, c);
    const now = Date.parse(c.now);
    const budget = storage.evaluateBudget({ settings: null, records, now, timeZone: c.timeZone });
    assert.equal(budget.daily.from, c.expectDailyFrom);
    assert.equal(budget.monthly.from, c.expectMonthlyFrom);
    for (const [bucket, want] of [["day", c.expectDailyFrom], ["month", c.expectMonthlyFrom]]) {
      const when = new Date(now);
      const series = storage.summarizeUsageRecordsByTime(records, { from: when, to: when }, { bucket, timeZone: c.timeZone });
      assert.equal(series.from, want, bucket);
    }
  },
  validate(file, c) {
    // usageRecordLine and InMemoryUsageStore.recordUsage run the same (core) validation.
    const memory = storage.createInMemoryUsageStore();
    for (const check of [() => storage.usageRecordLine(c.record), () => memory.recordUsage(c.record)]) {
      if (c.expectValid) {
        assert.doesNotThrow(check);
      } else {
        assert.throws(
          check,
          (error) => error instanceof Error && error.code === c.expectError.code && error.path === c.expectError.path,
        );
      }
    }
    assert.equal(memory.getUsageRecords().length, c.expectValid ? 1 : 0);
  },
  line(file, c) {
    assert.equal(JSON.stringify(c.record), c.expectLine, "the vector agrees with JSON.stringify");
    assert.equal(storage.usageRecordLine(c.record), c.expectLine);
  },
  defaultUsagePath(file, c) {
    // The home folder is injected through HOME so the default branch is checked too.
    assert.equal(storage.getDefaultUsageFilePath(c.env, c.home), c.expect);
  },
  async updateSettings(file, c) {
    const store = storage.createInMemoryProviderConnectionStore();
    for (const step of c.steps) await store.updateSettings(decode(step));
    assert.equal(JSON.stringify(await store.getSettings()), JSON.stringify(c.expect));
  },
  async connectionStore(file, c) {
    const fixedNowMs = Date.parse(c.fixedNow);
    let store;
    let path;
    if (c.store === "memory") {
      store = storage.createInMemoryProviderConnectionStore(c.seed, { fixedNowMs });
    } else {
      path = join(tempDir("pie-vectors"), "provider-connections.json");
      if (c.initialFile !== undefined) writeFileSync(path, c.initialFile);
      store = storage.createJsonProviderConnectionStore(path, { fixedNowMs });
    }
    for (const [i, step] of c.steps.entries()) {
      const run = () => store[step.call](...decode(step.args));
      if (step.expectError) {
        await assert.rejects(run(), { code: step.expectError }, `step ${i}`);
      } else {
        const got = await run();
        if ("expect" in step) assert.equal(JSON.stringify(got), JSON.stringify(step.expect), `step ${i} (${step.call})`);
      }
    }
    if (c.expectFile !== undefined) assert.equal(readFileSync(path, "utf8"), c.expectFile);
  },
  defaultConnectionPath(file, c) {
    assert.equal(storage.getDefaultProviderConnectionFilePath(c.env, c.home), c.expect);
  },
  maskProxyUrl(file, c) {
    assert.equal(storage.maskProxyUrl(c.input), c.expect);
  },
  connectionSummary(file, c) {
    assert.equal(JSON.stringify(storage.toProviderConnectionSummary(c.input)), JSON.stringify(c.expect));
  },
  routing(file, c) {
    const fn = storage[c.fn];
    assert.equal(typeof fn, "function", `@pie-lab/storage exports ${c.fn}`);
    assert.equal(JSON.stringify(fn(...decode(c.args))), JSON.stringify(c.expect));
  },
  /**
   * Steps on one request-details folder through createRequestDetailsStore, as in
   * request-details.json; then, unless the case writes files itself, the same steps in memory
   * (createInMemoryRequestDetailsStore), where the steps about files are left out.
   */
  async requestDetails(file, c) {
    await detailSteps(c, (folder) => storage.createRequestDetailsStore(folder, c.options), true);
    if (!c.steps.some((step) => "appendRaw" in step)) {
      await detailSteps(c, () => storage.createInMemoryRequestDetailsStore(c.options), false);
    }
  },
  pricingTableInfo(file, c) {
    closeMatches(c.expect, storage.getPriceTableInfo(), "info");
  },
  pricingCost(file, c) {
    const compute = () => storage.computeUsageCost(c.tokens, c.provider, c.model, { ...c.options, overrides: c.overrides });
    if (c.expectError) return assert.throws(compute, (e) => e.code === c.expectError);
    const cost = compute();
    if (c.expectExact) assert.deepEqual(cost, c.expectExact);
    else closeMatches(c.expect, cost, "cost");
  },
  pricingOverrides: (file, c) => pricingOverrideSteps(c),
  async pricingFile(file, c) {
    for (const f of c.files) {
      const path = join(tempDir("pie-vectors-pricing"), "pricing-overrides.json");
      writeFileSync(path, f.text);
      const store = storage.createJsonPriceOverrideStore(path);
      if (f.expectError) {
        await assert.rejects(store.listPriceOverrides(), (e) => e.code === f.expectError);
        await assert.rejects(store.setPriceOverride("a", "m", { input: 1 }), (e) => e.code === f.expectError);
        assert.equal(readFileSync(path, "utf8"), f.text, "a corrupt file is never overwritten");
      } else {
        assert.deepEqual(await store.listPriceOverrides(), f.expectState);
      }
    }
  },
  quota(file, c) {
    const fn = storage[c.fn];
    assert.equal(typeof fn, "function", `@pie-lab/storage exports ${c.fn}`);
    const run = () => fn(...decode(c.args));
    if (c.expectError) return assert.throws(run, (e) => e.code === c.expectError);
    if (c.expectSubset) subsetMatches(c.expectSubset, run(), "result");
    else assert.equal(JSON.stringify(run()), JSON.stringify(c.expect));
  },
  /** Steps on a real provider-quota.json (createJsonQuotaStore), then in memory unless the case writes a file. */
  async quotaStore(file, c) {
    const path = join(tempDir("pie-vectors-quota"), "provider-quota.json");
    if (c.initialFile !== undefined) writeFileSync(path, c.initialFile);
    const stores = [storage.createJsonQuotaStore(path, c.limits)];
    if (c.initialFile === undefined) stores.push(storage.createInMemoryQuotaStore(c.limits));
    for (const store of stores) {
      for (const [i, step] of c.steps.entries()) {
        const run = () => store[step.call](...decode(step.args));
        if (step.expectError) {
          await assert.rejects(run(), (e) => e.code === step.expectError, `step ${i} (${step.call})`);
        } else {
          const got = await run();
          if ("expect" in step) assert.equal(JSON.stringify(got ?? null), JSON.stringify(step.expect), `step ${i} (${step.call})`);
        }
      }
    }
    if (c.expectFile !== undefined) assert.equal(readFileSync(path, "utf8"), c.expectFile);
    if (c.expectFileUnchanged) assert.equal(readFileSync(path, "utf8"), c.initialFile, "a corrupt file is never overwritten");
  },
  /** Rounds of prepareProviderConnections with a fake fetcher, on an in-memory store. */
  async quotaPrepare(file, c) {
    const store = storage.createInMemoryProviderConnectionStore(c.seed, { fixedNowMs: Date.parse(c.fixedNow) });
    const quotaStore = storage.createInMemoryQuotaStore();
    if (c.rule) await quotaStore.setQuotaDeactivationRule(c.rule);
    for (const [i, round] of c.rounds.entries()) {
      const at = `round ${i}`;
      const fetched = [];
      const fetchQuota = async (connection, { proxy, signal }) => {
        assert.ok(signal instanceof AbortSignal);
        fetched.push([connection.id, proxy]);
        const r = round.fetch[connection.id];
        if (r === undefined) throw new Error("no fake result");
        if (r && typeof r === "object" && "$throw" in r) throw new Error(r.$throw);
        return structuredClone(r);
      };
      const got = await storage.prepareProviderConnections(store, {
        provider: c.provider, fetchQuota, now: Date.parse(round.now), env: round.env ?? {}, quotaStore, concurrency: 2,
      });
      fetched.sort((a, b) => (a[0] < b[0] ? -1 : 1));
      assert.deepEqual(fetched.map(([id]) => id), round.expectFetched, `${at}: fetched`);
      for (const [id, proxy] of Object.entries(round.expectProxies ?? {})) {
        assert.equal(JSON.stringify(fetched.find(([i]) => i === id)?.[1]), JSON.stringify(proxy), `${at}: proxy of ${id}`);
      }
      subsetMatches(round.expectConnections, got, `${at}: connections`);
      if (round.expectAll) subsetMatches(round.expectAll, await store.getProviderConnections(), `${at}: all`);
      for (const id of round.expectNoMark ?? []) {
        const connection = await store.getProviderConnectionById(id);
        assert.ok(!("pieLabQuotaDeactivation" in (connection.providerSpecificData ?? {})), `${at}: ${id} still marked`);
      }
      if (round.expectEvents) assert.equal(JSON.stringify(await quotaStore.getQuotaEvents()), JSON.stringify(round.expectEvents), `${at}: events`);
      for (const [id, entry] of Object.entries(round.expectQuota ?? {})) subsetMatches(entry, await quotaStore.getQuotaWindows(id), `${at}: quota of ${id}`);
    }
  },
  /**
   * proxy-test.json: testProxyPool with a scripted transport on an in-memory store, once for
   * each store kind (the in-memory one and a JSON file); probes, result and the stored pool.
   */
  async proxyTest(file, c) {
    for (const open of [
      (seed) => storage.createInMemoryProviderConnectionStore(seed),
      (seed) => {
        const path = join(tempDir("pie-vectors-proxy"), "provider-connections.json");
        writeFileSync(path, JSON.stringify(seed));
        return storage.createJsonProviderConnectionStore(path);
      },
    ]) {
      const store = open(c.pool === null ? {} : { proxyPools: [c.pool] });
      const before = await store.getProxyPoolById("pool-1");
      const probes = [];
      const transport = async (probe) => {
        probes.push(structuredClone(probe));
        return c.replies[probes.length - 1];
      };
      const run = () => storage.testProxyPool(store, "pool-1", { ...c.options, transport, now: () => c.now });
      if (c.expectError) {
        await assert.rejects(run, (e) => e instanceof storage.PieStorageError && e.code === c.expectError);
        continue;
      }
      const { proxyPool, ...result } = await run();
      subsetMatches(c.expect.probes, probes, "probes");
      assert.deepEqual(result, c.expect.result);
      const { updatedAt: _a, ...stored } = await store.getProxyPoolById("pool-1");
      const { updatedAt: _b, ...want } = { ...before, ...c.expect.update };
      assert.deepEqual(stored, want);
      assert.deepEqual(proxyPool, storage.toProxyPoolSummary(await store.getProxyPoolById("pool-1")));
    }
  },
  /** admin.json: the admin server's rules by name, as the server calls them. */
  admin(file, c) {
    const got = admin(c.fn, ...c.args);
    if ("expect" in c) assert.deepEqual(got, c.expect);
    else subsetMatches(c.expectSubset, got, "result");
  },
  proxyPoolSummary(file, c) {
    assert.deepEqual(storage.toProxyPoolSummary(c.pool), c.expect);
  },
  chatFunction: (file, c) => chatOutcome(c, () => storage[c.fn](...decode(c.args))),
  chatStore: (file, c) => chatStoreSteps(c),
  operator(file, c) {
    assert.equal(JSON.stringify(operator[c.fn](...decode(c.args))), JSON.stringify(c.expect));
  },
  recordId(file, c) {
    const id = c.prefix === null ? storage.createUsageRecordId() : storage.createUsageRecordId(c.prefix);
    assert.match(id, new RegExp(c.expectPattern));
  },
};

let total = 0;
for (const name of files) {
  const file = JSON.parse(readFileSync(join(dir, name), "utf8"));
  for (const c of file.cases) {
    total += 1;
    test(`${name}: ${c.name}`, async () => {
      const run = runners[c.op];
      assert.ok(run, `unknown op ${c.op}`);
      await run(file, c);
    });
  }
}

test("the full vector set was loaded", () => assert.ok(total >= 50, `only ${total} cases`));
