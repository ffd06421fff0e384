// The package against the plain JavaScript path (tests/reference) on random data: the results
// must be identical, including the bits of every floating-point sum.

import assert from "node:assert/strict";
import { test } from "node:test";

import { queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords } from "@pie-lab/storage";
import * as reference from "../reference/usage-reference.mjs";
import { rng } from "./helpers.mjs";

const PROVIDERS = ["openai", "anthropic", "Anthropic", "gemini", "a", "B", "b", "_x", "é"];
const STATUSES = ["success", "error", "aborted", "skipped"];
const MODES = ["fixed", "router", "fallback"];

function randomRecords(random, n) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const maybe = (p, f) => (random() < p ? f() : undefined);
  const amount = () => (random() < 0.5 ? Math.floor(random() * 1000) : random() * 10);
  const records = [];
  for (let i = 0; i < n; i++) {
    // Few distinct timestamps so ties are common.
    const t = Date.UTC(2026, 4, 22) + Math.floor(random() * 20) * 60_000;
    const record = {
      id: `r${i}`,
      requestId: `q${Math.floor(random() * 10)}`,
      timestamp: new Date(t).toISOString(),
      requestedModel: "m",
      routingMode: pick(MODES),
      resolvedProvider: pick(PROVIDERS),
      resolvedModel: pick(["m1", "m2", "M1"]),
      attemptIndex: 0,
      attemptCount: 1,
      status: pick(STATUSES),
    };
    const endpoint = maybe(0.7, () => pick(["/v1/chat/completions", "/v1/messages", ""]));
    if (endpoint !== undefined) record.endpoint = endpoint;
    const origin = maybe(0.5, () => pick(["pie-chat:web", "dashboard"]));
    if (origin !== undefined) record.clientOrigin = origin;
    if (random() < 0.4) record.agentRunId = pick(["run1", "run2"]);
    if (random() < 0.7) {
      record.usage = { input: amount(), output: amount(), cacheRead: amount(), cacheWrite: amount() };
      if (random() < 0.7) record.usage.totalTokens = amount();
      if (random() < 0.3) record.usage.reasoning = amount();
    }
    if (random() < 0.3) record.inputTokens = amount();
    if (random() < 0.3) record.outputTokens = amount();
    if (random() < 0.6) record.cost = { total: random() * 0.1, currency: "USD" };
    if (random() < 0.4) record.costUsd = random() * 0.1;
    records.push(record);
  }
  return records;
}

function randomQuery(random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const q = {};
  if (random() < 0.3) q.status = random() < 0.5 ? pick(STATUSES) : [pick(STATUSES), pick(STATUSES), ""];
  if (random() < 0.2) q.routingMode = pick(MODES);
  if (random() < 0.3) q.provider = pick(PROVIDERS);
  if (random() < 0.1) q.model = "m1";
  if (random() < 0.1) q.requestId = "q3";
  if (random() < 0.1) q.agentRunId = "run1";
  if (random() < 0.1) q.endpoint = pick(["/v1/messages", ""]);
  if (random() < 0.1) q.clientOrigin = "dashboard";
  if (random() < 0.3) q.from = new Date(Date.UTC(2026, 4, 22) + Math.floor(random() * 20) * 60_000).toISOString();
  if (random() < 0.3) q.to = new Date(Date.UTC(2026, 4, 22) + Math.floor(random() * 20) * 60_000);
  if (random() < 0.5) q.limit = pick([0, 1, 5, 50, -1, 2.5, Number.NaN, Infinity, "3"]);
  if (random() < 0.5) q.order = pick(["asc", "desc", "ASC"]);
  return q;
}

test("queryUsageRecords equals the plain JavaScript path on 300 random queries", () => {
  const random = rng(7);
  for (let round = 0; round < 300; round++) {
    const records = randomRecords(random, 1 + Math.floor(random() * 120));
    const query = randomQuery(random);
    const got = queryUsageRecords(records, query).map((r) => r.id);
    const want = reference.queryUsageRecords(records, query).map((r) => r.id);
    assert.deepEqual(got, want, `round ${round}, query ${JSON.stringify(query)}`);
  }
});

test("summarizeUsageRecords equals the plain JavaScript path bit for bit", () => {
  const random = rng(11);
  for (let round = 0; round < 200; round++) {
    const records = randomRecords(random, Math.floor(random() * 200));
    const got = summarizeUsageRecords(records);
    const want = reference.summarizeUsageRecords(records);
    // Object.is on every number: bit-identical sums, same keys in the same order.
    assert.equal(JSON.stringify(got), JSON.stringify(want), `round ${round}`);
    assert.deepEqual(got, want);
    // The core's JSONL path is summarizeUsageRecords(queryUsageRecords(records, query)), so it
    // adds in the query's order (newest first by default), as the server does.
    const jsonl = records.map((r) => JSON.stringify(r)).join("\n");
    const query = randomQuery(random);
    const { limit: _limit, ...unlimited } = query;
    const wantQueried = reference.summarizeUsageRecords(reference.queryUsageRecords(records, unlimited));
    assert.equal(JSON.stringify(summarizeUsageJsonl(jsonl, query)), JSON.stringify(wantQueried), `round ${round}`);
  }
});
