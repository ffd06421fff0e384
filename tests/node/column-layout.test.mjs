// The JS column encoder follows the core's column layout (core/src/usage/columns.rs
// `COLUMN_LAYOUT`): every amount slot and text column the core defines, encoded from JS objects,
// must give what the core computes from the same records as JSONL bytes (no JS encoder involved).
// If the core's layout changed (a slot moved, a field was added or renamed) and the encoder did not
// follow, these comparisons or the load-time check fail.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";

import {
  createJsonlUsageStore,
  queryUsageRecords,
  summarizeUsageJsonl,
  summarizeUsageRecords,
} from "@pie-lab/storage";
import { useCoreColumnLayout } from "../../node-host/dist/columns.js";
import { wasm } from "../../node-host/dist/wasm.js";
import { tempDir, usageRecord } from "./helpers.mjs";

const layout = wasm().usageColumnLayout();

/** A record holding only the amount fields `paths` (layout paths, `a.b` nested), with distinct values. */
function withAmounts(paths) {
  const record = { timestamp: "2026-05-22T00:00:00.000Z", status: "success", resolvedProvider: "p", resolvedModel: "m" };
  for (const path of paths) {
    const value = 1 + 2 ** layout.amountFields.indexOf(path);
    const [outer, inner] = path.split(".");
    if (inner === undefined) record[outer] = value;
    else (record[outer] ??= {})[inner] = value;
  }
  return record;
}

function jsonl(records) {
  return records.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

/** Record sets exercising every slot alone, every pair of slots, and all of them at once. */
function amountCases() {
  const fields = layout.amountFields;
  const cases = fields.map((f) => [withAmounts([f])]);
  for (let i = 0; i < fields.length; i++) {
    for (let j = i + 1; j < fields.length; j++) cases.push([withAmounts([fields[i], fields[j]])]);
  }
  cases.push([withAmounts(fields)]);
  cases.push(fields.map((f) => withAmounts([f])));
  return cases;
}

function summariesAgree() {
  for (const records of amountCases()) {
    const fromObjects = summarizeUsageRecords(records);
    const fromBytes = summarizeUsageJsonl(jsonl(records));
    if (JSON.stringify(fromObjects) !== JSON.stringify(fromBytes)) return { records, fromObjects, fromBytes };
  }
  return null;
}

test("every amount slot of the core's layout is encoded where the core reads it", () => {
  assert.ok(layout.amountFields.length > 0);
  const mismatch = summariesAgree();
  assert.equal(mismatch, null, mismatch && `summaries differ for ${JSON.stringify(mismatch.records)}`);
});

test("the comparison catches an encoder that writes another slot order than the core reads", () => {
  // The encoder told a wrong (reversed) order: the core still reads its own, so summaries differ.
  try {
    useCoreColumnLayout({ ...layout, amountFields: [...layout.amountFields].reverse() });
    assert.notEqual(summariesAgree(), null);
  } finally {
    useCoreColumnLayout();
  }
  assert.equal(summariesAgree(), null);
});

test("a core layout the encoder cannot follow fails loudly", () => {
  const cannot = /cannot follow the core's column layout/;
  try {
    assert.throws(() => useCoreColumnLayout({ ...layout, amountFields: [...layout.amountFields, "usage.newTokens"] }), cannot);
    assert.throws(() => useCoreColumnLayout({ ...layout, amountFields: layout.amountFields.slice(1) }), cannot);
    assert.throws(() => useCoreColumnLayout({ ...layout, summaryFields: [...layout.summaryFields, "routingMode"] }), cannot);
    assert.throws(() => useCoreColumnLayout({ ...layout, summaryFields: layout.summaryFields.slice(1) }), cannot);
    assert.throws(
      () => useCoreColumnLayout({ ...layout, textFields: layout.textFields.filter((f) => f !== "resolvedModel") }),
      cannot,
    );
    assert.throws(() => useCoreColumnLayout({ ...layout, plainFields: layout.plainFields.filter((f) => f !== "timestamp") }), cannot);
  } finally {
    useCoreColumnLayout();
  }
});

test("the summary's text columns (status and groups) match the core's reading of the same lines", () => {
  const records = [
    usageRecord({ status: "error", resolvedProvider: "a", resolvedModel: "x", endpoint: "/v1", clientOrigin: "cli" }),
    usageRecord({ status: "aborted", resolvedProvider: "b", resolvedModel: "y", endpoint: "/v2" }),
    usageRecord({ status: "weird", resolvedProvider: "a", clientOrigin: "web" }),
    usageRecord({ status: "skipped", resolvedModel: "x" }),
  ];
  assert.deepEqual(summarizeUsageRecords(records), summarizeUsageJsonl(jsonl(records)));
});

test("every text column of the layout filters like the core's file index", async () => {
  const values = ["v1", "v2"];
  const records = [];
  for (let k = 0; k < 6; k++) {
    const overrides = {};
    for (const field of layout.textFields) if (field !== "timestamp") overrides[field] = values[k % 2];
    if (k === 5) for (const field of layout.textFields) if (field !== "timestamp") delete overrides[field];
    records.push(usageRecord({ ...overrides, status: ["success", "error"][k % 2], routingMode: ["fixed", "router"][k % 2] }));
  }
  const path = join(tempDir(), "usage.jsonl");
  const store = createJsonlUsageStore(path, { saveIndex: false });
  for (const r of records) await store.recordUsage(r);
  const queries = [
    { status: "error" },
    { status: ["success", ""] },
    { routingMode: "router" },
    { provider: "v1" },
    { model: "v2" },
    { requestId: records[2].requestId },
    { agentRunId: "v1" },
    { endpoint: "v2" },
    { clientOrigin: "v1" },
    { clientOrigin: "v1", provider: "v2" },
    { provider: 5 },
    { model: null },
  ];
  for (const query of queries) {
    const fromObjects = queryUsageRecords(records, query).map((r) => r.id);
    const fromFile = (await store.queryUsage(query)).map((r) => r.id);
    assert.deepEqual(fromObjects, fromFile, JSON.stringify(query));
  }
});
