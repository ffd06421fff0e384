// Route plans through a store: combo rotation state belongs to the store, not the process.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createInMemoryProviderConnectionStore, evaluateBudget, resolveRoutePlan } from "@pie-lab/storage";

const policy = {
  routerPolicy: {
    combos: [{ name: "coding", models: ["openai/gpt-5.4", "anthropic/claude-sonnet-4.5", "gemini/gemini-2.5-pro"], strategy: "round-robin", stickyLimit: 2 }],
  },
};

async function firstRoutes(store, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push((await store.planRoutes("combo:coding")).routes[0].id);
  return out;
}

test("each store rotates its own combos; resetComboRotation starts over", async () => {
  const a = createInMemoryProviderConnectionStore();
  const b = createInMemoryProviderConnectionStore();
  await a.updateSettings(policy);
  await b.updateSettings(policy);
  const order = ["openai/gpt-5.4", "openai/gpt-5.4", "anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4.5", "gemini/gemini-2.5-pro"];
  assert.deepEqual(await firstRoutes(a, 5), order);
  assert.deepEqual(await firstRoutes(b, 2), order.slice(0, 2), "b is not moved by a's calls");
  a.resetComboRotation();
  assert.deepEqual(await firstRoutes(a, 1), order.slice(0, 1));
  const plan = await a.planRoutes("combo:coding");
  assert.equal(plan.requestedModel, "combo:coding");
  assert.equal(plan.routingMode, "router");
  assert.deepEqual(plan.routes.map((r) => r.index), [0, 1, 2]);
});

test("the pure function returns the next state instead of keeping a global", () => {
  const first = resolveRoutePlan("combo:coding", policy, {});
  const again = resolveRoutePlan("combo:coding", policy, {});
  assert.deepEqual(first, again, "same input, same output");
  assert.notDeepEqual(first.rotation, {});
});

test("evaluateBudget blocks a request over the daily limit", () => {
  const now = Date.parse("2026-05-22T12:00:00.000Z");
  const records = [{ resolvedProvider: "openai", timestamp: "2026-05-22T01:00:00.000Z", status: "success", costUsd: 4 }];
  const decision = evaluateBudget({ settings: { budgetLimits: { mode: "block", dailyUsd: 5 } }, provider: "openai", estimateUsd: 2, records, now });
  assert.equal(decision.shouldBlock, true);
  assert.equal(decision.daily.exhausted, true);
});
