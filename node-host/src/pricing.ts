// Pricing (README "Pricing"): thin wrappers over the core. The base table, the merge, the glob
// precedence and the cost rules are all in the core (`core/src/pricing/`).

import type { UsageTokens } from "./types.js";
import { call, toWireArgs, wasm } from "./wasm.js";

/** USD per million tokens; an unset field falls through to the base table (field by field). */
export interface PriceRates {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** The overrides file's content: provider id (or `"*"`) → model name or glob → rates. */
export interface PriceOverrides {
  overrides: Record<string, Record<string, PriceRates>>;
}

/** Where the shipped base table comes from. */
export interface PriceTableInfo {
  source: string;
  package: string;
  version: string;
  date: string;
  integrity: string;
  license: string;
}

export interface ComputeUsageCostOptions {
  /** Overrides to lay over the base table (for example `await store.listPriceOverrides()`). */
  overrides?: PriceOverrides;
  /** `input` includes cache reads and writes (OpenAI `prompt_tokens`). Default `false`. */
  inputIncludesCache?: boolean;
  /** `output` includes `reasoning` (OpenAI `completion_tokens`). Default `true`. */
  outputIncludesReasoning?: boolean;
}

/** A `UsageCost` with the price version used; amounts are `null` when no price is known. */
export interface PricedUsageCost {
  input: number | null;
  output: number | null;
  cacheRead: number | null;
  cacheWrite: number | null;
  reasoning?: number | null;
  total: number | null;
  currency: "USD";
  pricingSource: "override" | "provider" | "unknown";
  pricingVersion: string;
}

function run<T>(name: string, ...args: unknown[]): T {
  const json = toWireArgs(args, "the argument");
  return JSON.parse(call(() => wasm().pricingCall(name, json))) as T;
}

/** The cost of `tokens` for `provider`/`model`; missing token counts read as 0. */
export function computeUsageCost(
  tokens: Partial<UsageTokens>,
  provider: string,
  model: string,
  options?: ComputeUsageCostOptions,
): PricedUsageCost {
  return run("computeUsageCost", tokens, provider, model, options ?? null);
}

/** Source, pinned version, date, integrity and license of the shipped base table. */
export function getPriceTableInfo(): PriceTableInfo {
  return run("getPriceTableInfo");
}
