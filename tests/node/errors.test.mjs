// Errors reaching JavaScript: coded Error objects, and Rust panics with their message.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createUsageRecordId, summarizeUsageRecords } from "@pie-lab/storage";
import { call, wasm } from "../../node-host/dist/wasm.js";

test("a Rust panic reaches JavaScript as an Error with code PIE_PANIC and its message", () => {
  assert.throws(
    () => call(() => wasm().__panicForTest("boom from the test")),
    (error) => error instanceof Error && error.code === "PIE_PANIC" && error.message.includes("boom from the test"),
  );
});

test("the module keeps working after an unrelated call", () => {
  assert.match(createUsageRecordId(), /^usage_/);
  assert.equal(summarizeUsageRecords([]).records, 0);
});

test("malformed JSON handed to the core is a coded error", () => {
  assert.throws(() => wasm().usageRecordLine("{not json"), (error) => error instanceof Error && error.code === "PIE_INVALID_JSON");
});
