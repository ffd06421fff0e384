// Routing decisions (reference §6): thin wrappers over the core's pure functions. Dates become
// epoch milliseconds and Errors become {message, ...own properties}; `now` defaults to the
// host's clock here, the only place a clock is read.

import type {
  BudgetLimitSettings,
  ProviderConnection,
  ProviderConnectionRef,
  ProviderConnectionSelectionExplanation,
  ProviderConnectionSettings,
  RouterComboStrategy,
  RouterPolicySettings,
  UsageRecord,
  UsageRoutingMode,
} from "./types.js";
import { errorToJson as toJson } from "./connections.js";
import { idsForCore } from "./ids.js";
import { call, toWireArgs, wasm } from "./wasm.js";

function ms(now: Date | number | string | undefined): number | string {
  if (now === undefined) return Date.now();
  if (now instanceof Date) return now.getTime();
  return now;
}

function run<T>(name: string, ...args: unknown[]): T {
  const json = toWireArgs(args, "the argument");
  return JSON.parse(call(() => wasm().routingCall(name, json))) as T;
}

export interface FallbackDecision {
  shouldFallback: boolean;
  cooldownMs: number;
  newBackoffLevel?: number;
}

/** How long a connection cools down after an error, and the new backoff level (§6.3). */
export function checkFallbackError(status: number | undefined | null, errorText: unknown, backoffLevel = 0): FallbackDecision {
  return run("checkFallbackError", status ?? null, toJson(errorText), backoffLevel);
}

/** `min(2000 * 2^(level-1), 300000)`. */
export function getQuotaCooldown(level: number): number {
  return run("getQuotaCooldown", level);
}

/** A provider's own reset timing in an error (timestamps, durations, "reset after 1h30m"), capped. */
export function extractProviderResetCooldownMs(error: unknown, now?: Date | number, max = 1_800_000): number | null {
  return run("extractProviderResetCooldownMs", toJson(error), ms(now), max);
}

/** `"reset after 1h 2m 3s"`; `""` without a date. */
export function formatRetryAfter(iso: string | null | undefined, now?: Date | number): string {
  return run("formatRetryAfter", iso ?? null, ms(now));
}

/**
 * Options of the selection functions. `connections` may be stored connections or bare
 * references (`{id, provider, isActive?, priority?}`); the selected one is returned as given.
 */
export interface SelectProviderConnectionOptions<C extends ProviderConnectionRef = ProviderConnection> {
  provider: string;
  model?: string | null;
  connections: readonly C[];
  settings?: ProviderConnectionSettings;
  excludeConnectionIds?: string | string[] | Set<string>;
  preferredConnectionId?: string;
  now?: Date | number;
}

export type ProviderConnectionSelection<C extends ProviderConnectionRef = ProviderConnection> =
  | { status: "missing" }
  | { status: "unavailable"; retryAfter: string; retryAfterHuman: string; lastError?: unknown; lastErrorCode?: unknown }
  | { status: "selected"; connection: C; updates?: { lastUsedAt: string; consecutiveUseCount: number } };

function selectArgs(options: SelectProviderConnectionOptions<ProviderConnectionRef>): Record<string, unknown> {
  return { ...options, excludeConnectionIds: idsForCore(options.excludeConnectionIds), now: ms(options.now) };
}

/** The connection that serves a request (§6.2): locks, priorities, quota and strategy. */
export function selectProviderConnection<C extends ProviderConnectionRef = ProviderConnection>(
  options: SelectProviderConnectionOptions<C>,
): ProviderConnectionSelection<C> {
  return run("selectProviderConnection", selectArgs(options));
}

/** Per-candidate explanation of {@link selectProviderConnection} (the `/account-selection` view). */
export function explainProviderConnectionSelection(
  options: SelectProviderConnectionOptions<ProviderConnectionRef>,
): ProviderConnectionSelectionExplanation {
  return run("explainProviderConnectionSelection", selectArgs(options));
}

/** Whether a connection is locked for a model (or for all models) at `now`. */
export function isModelLockActive(connection: ProviderConnectionRef | Record<string, unknown>, model: string | null | undefined, now?: Date | number): boolean {
  return run("isModelLockActive", connection, model ?? null, ms(now));
}

/** Rotation state of round-robin combos: `{comboName: {index, consecutiveUseCount}}`. */
export type ComboRotationState = Record<string, { index: number; consecutiveUseCount: number }>;

export interface RoutePlan {
  requestedModel: string;
  routingMode: UsageRoutingMode;
  routes: Array<{ index: number; source: UsageRoutingMode; provider: string; model: string; id: string }>;
}

/**
 * Resolves a requested model through aliases, intents and combos into ordered routes (the
 * `/routing-policy/preview` shape). Rotation state is data: pass the state returned by the
 * previous call (stores keep it for you: `store.planRoutes(model)`).
 */
export function resolveRoutePlan(
  requestedModel: string,
  settingsOrPolicy?: ProviderConnectionSettings | RouterPolicySettings | null,
  rotation: ComboRotationState = {},
): { plan: RoutePlan; rotation: ComboRotationState } {
  return run("resolveRoutePlan", requestedModel, settingsOrPolicy ?? null, rotation);
}

/** A combo's models in this turn's order, and the next rotation state (§6.8). */
export function getRotatedModels(
  models: string[],
  comboName: string,
  strategy: RouterComboStrategy | (string & {}),
  stickyLimit?: number | string,
  rotation: ComboRotationState = {},
): { models: string[]; rotation: ComboRotationState } {
  return run("getRotatedModels", models, comboName, strategy, stickyLimit ?? null, rotation);
}

export interface EvaluateBudgetOptions {
  /** The settings (their `budgetLimits` is used) or a bare `budgetLimits` block; normalized. */
  settings?: ProviderConnectionSettings | BudgetLimitSettings | null;
  /** The provider of the request (its `providerLimits` rule applies). */
  provider?: string | null;
  /** The request's estimated cost in USD; counts when finite and `>= 0`. */
  estimateUsd?: number | string | null;
  /** The usage history the day and month windows sum. */
  records: readonly UsageRecord[];
  now?: Date | number;
  /**
   * Whose day and month the windows are: an IANA zone name; default `"UTC"` (the reference's).
   * The windows are the same as `summarizeUsageByTime`'s day and month buckets in that zone.
   */
  timeZone?: string;
}

/** `BudgetPolicyMode`: what an exceeded limit does. */
export type BudgetMode = "off" | "warn" | "block";

/** Spend against one limit over a UTC day or month, up to `now` (amounts rounded to 8 decimals as the server does). */
export interface BudgetWindow {
  /** Start of the window (UTC midnight of the day, or of the month's first day), ISO. */
  from: string;
  /** `now`, ISO. */
  to: string;
  /** Cost of the counted records in the window. */
  usedUsd: number;
  /** The window's limit, `null` without one. */
  limitUsd: number | null;
  /** `usedUsd` plus the request estimate (0 without one). */
  projectedUsd: number;
  /** `limitUsd - usedUsd` (negative once overspent), `null` without a limit. */
  remainingUsd: number | null;
  /** `max(0, usedUsd / limitUsd * 100)` to 2 decimals, at most 999; `null` without a limit or with a zero one. */
  usedPercentage: number | null;
  /** `projectedUsd > limitUsd`; false without a limit. */
  exhausted: boolean;
}

/** One limit the request would exceed. */
export interface BudgetViolation {
  scope: "request" | "daily" | "monthly";
  /** The provider whose rule applies, `null` for the global rule. */
  provider: string | null;
  limitUsd: number;
  usedUsd: number;
  estimatedUsd: number;
  projectedUsd: number;
  /** E.g. `Daily budget $5.0000 would be exceeded (projected $5.0200).` */
  message: string;
}

/** The `budget` object of `GET /budget` (core: `routing::budget::BudgetDecision`). */
export interface BudgetEvaluation {
  mode: BudgetMode;
  provider: string | null;
  requestLimitUsd: number | null;
  estimatedRequestUsd: number | null;
  daily: BudgetWindow;
  monthly: BudgetWindow;
  violations: BudgetViolation[];
  shouldWarn: boolean;
  shouldBlock: boolean;
  /** `now`, ISO. */
  generatedAt: string;
}

/**
 * The `/budget` decision over usage records: day and month spend (UTC, or `timeZone`) against the limits, the
 * request estimate, and whether to warn or block.
 */
export function evaluateBudget(options: EvaluateBudgetOptions): BudgetEvaluation {
  return run("evaluateBudget", { ...options, now: ms(options.now) });
}
