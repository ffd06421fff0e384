// Shared fixtures for the Node suites.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = [];
// Test folders hold test credentials and large files: none outlives the test process.
process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system's temp folder, removed when the test process exits. */
export function tempDir(label = "pie-storage-test") {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  made.push(dir);
  return dir;
}

let counter = 0;

/** A valid usage record; `overrides` replace or add fields. */
export function usageRecord(overrides = {}) {
  counter += 1;
  return {
    id: `usage_${counter}`,
    requestId: `request_${counter}`,
    timestamp: new Date(Date.UTC(2026, 4, 22, 0, 0, counter)).toISOString(),
    requestedModel: "openai/gpt-5.4",
    routingMode: "fixed",
    resolvedProvider: "openai",
    resolvedModel: "gpt-5.4",
    attemptIndex: 0,
    attemptCount: 1,
    usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, totalTokens: 15 },
    cost: { input: 0.01, output: 0.02, cacheRead: 0, cacheWrite: 0, total: 0.03, currency: "USD", pricingSource: "pie-metadata" },
    status: "success",
    ...overrides,
  };
}

/** A small deterministic PRNG (mulberry32) in [0, 1), so a failing seed replays. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
