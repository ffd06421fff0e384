// The public types of connections, pools, settings and routing, by example: what compiles and
// what must not (`@ts-expect-error` fails the build when the line below it compiles).

import {
  createInMemoryProviderConnectionStore,
  evaluateBudget,
  explainProviderConnectionSelection,
  resolveRoutePlan,
  selectProviderConnection,
  toProviderConnectionSummary,
  type CreateProviderConnectionInput,
  type ProviderConnection,
  type ProviderConnectionCandidate,
  type ProviderConnectionSummary,
  type ProxyPool,
  type UpdateProviderConnectionInput,
  type UsageRecord,
} from "@pie-lab/storage";
import type { Equal, Expect } from "./helpers.js";

// ---- Read types: every declared field has its type, none is `unknown` ----

type _Priority = Expect<Equal<ProviderConnection["priority"], number | null | undefined>>;
type _IsActive = Expect<Equal<ProviderConnection["isActive"], boolean>>;
type _Lock = Expect<Equal<ProviderConnection["modelLock_gpt-5.4"], string | null>>;
type _Extra = Expect<Equal<ProviderConnection["expiresAt"], unknown>>;

type _SummaryPriority = Expect<Equal<ProviderConnectionSummary["priority"], number | null | undefined>>;
type _SummaryIsActive = Expect<Equal<ProviderConnectionSummary["isActive"], boolean>>;
type _SummaryName = Expect<Equal<ProviderConnectionSummary["name"], string | null | undefined>>;
type _SummaryId = Expect<Equal<ProviderConnectionSummary["id"], string>>;
type _SummaryCreated = Expect<Equal<ProviderConnectionSummary["createdAt"], string>>;
type _SummaryErrorCode = Expect<Equal<ProviderConnectionSummary["errorCode"], string | number | null | undefined>>;
type _SummaryData = Expect<Equal<ProviderConnectionSummary["providerSpecificData"], Record<string, unknown> | null | undefined>>;
type _SummaryFlag = Expect<Equal<ProviderConnectionSummary["hasApiKey"], boolean>>;
type _SummaryLock = Expect<Equal<ProviderConnectionSummary["modelLock___all"], string | null>>;
// The credentials are not fields of the summary (an index-signature read is `unknown`).
type _NoApiKey = Expect<Equal<"apiKey" extends keyof { [K in keyof ProviderConnectionSummary as string extends K ? never : K]: 1 } ? true : false, false>>;

type _PoolType = Expect<Equal<ProxyPool["type"], "http" | "vercel">>;
type _CandidatePriority = Expect<Equal<ProviderConnectionCandidate["priority"], number | null>>;

// Inputs: typed fields, open keys stay allowed.
type _CreatePriority = Expect<Equal<CreateProviderConnectionInput["priority"], number | null | undefined>>;
type _UpdateIsActive = Expect<Equal<UpdateProviderConnectionInput["isActive"], boolean | undefined>>;

function readConnection(c: ProviderConnection): string {
  const priority: number = c.priority ?? 999;
  const until: string | null = c["modelLock_gpt-5.4"];
  const summary = toProviderConnectionSummary(c);
  const flags: boolean = summary.hasApiKey || summary.hasAccessToken || summary.hasRefreshToken;
  return `${summary.provider}/${summary.name ?? "-"} ${priority} ${until ?? "-"} ${flags} ${summary.isActive}`;
}
void readConnection;

// ---- Inputs: wrong field types fail, unknown extra keys are kept ----

const store = createInMemoryProviderConnectionStore();

export async function connections(): Promise<void> {
  const conn = await store.createProviderConnection({
    provider: "openai",
    authType: "apikey",
    apiKey: "sk-test",
    priority: 2,
    isActive: true,
    providerSpecificData: { proxyPoolId: "pool-1" },
    "modelLock_gpt-5.4": null,
    expiresAt: "2026-05-22T00:00:00.000Z",
  });
  await store.updateProviderConnection(conn.id, { priority: null, lastError: undefined, apiKey: null });
  await store.updateProviderConnection(conn.id, { "modelLock___all": "2026-05-22T00:00:00.000Z", customNote: { any: 1 } });
  await store.updateProviderConnection(conn.id, { provider: "anthropic", errorCode: 429, lastError: { any: "thing" } });

  // @ts-expect-error priority is a number or null
  await store.createProviderConnection({ provider: "openai", priority: "high" });
  // @ts-expect-error isActive is a boolean
  await store.createProviderConnection({ provider: "openai", isActive: "yes" });
  // @ts-expect-error provider is required
  await store.createProviderConnection({ authType: "apikey" });
  // @ts-expect-error credentials are strings or null
  await store.createProviderConnection({ provider: "openai", apiKey: 42 });
  // @ts-expect-error providerSpecificData is an object or null
  await store.createProviderConnection({ provider: "openai", providerSpecificData: "pool-1" });
  // @ts-expect-error priority is a number or null
  await store.updateProviderConnection(conn.id, { priority: "2" });
  // @ts-expect-error email is a string or null
  await store.updateProviderConnection(conn.id, { email: 5 });
  // @ts-expect-error a model lock is an ISO time or null
  await store.updateProviderConnection(conn.id, { "modelLock_gpt-5.4": 1779408000000 });
  // @ts-expect-error errorCode is a string or a number
  await store.updateProviderConnection(conn.id, { errorCode: true });
}

export async function pools(): Promise<void> {
  const pool = await store.createProxyPool({ name: "office", proxyUrl: "http://proxy:8080", type: "vercel", strictProxy: true, region: "eu" });
  await store.createProxyPool({ id: "my-id", name: "n", proxyUrl: "http://p:1", noProxy: null });
  await store.updateProxyPool(pool.id, { isActive: false, lastError: null, testStatus: "active" });

  // @ts-expect-error type is "http" or "vercel"
  await store.createProxyPool({ name: "p", proxyUrl: "http://x", type: "socks" });
  // @ts-expect-error name is required
  await store.createProxyPool({ proxyUrl: "http://x" });
  // @ts-expect-error isActive is a boolean
  await store.updateProxyPool(pool.id, { isActive: "no" });
  // @ts-expect-error strictProxy is a boolean or null
  await store.updateProxyPool(pool.id, { strictProxy: 1 });
}

export async function settings(): Promise<void> {
  await store.updateSettings({
    fallbackStrategy: "round-robin",
    stickyRoundRobinLimit: "3",
    budgetLimits: { mode: "warn", dailyUsd: 5, providerLimits: { openai: { mode: "block", requestUsd: "0.5" } } },
    routerPolicy: { aliases: { smart: ["openai/gpt-5.4"] }, combos: [{ name: "coding", models: ["a/b"], strategy: "round-robin" }] },
    providerStrategies: { openai: { quotaStrategy: "require-remaining", quotaMinRemainingPercentage: 10 } },
    rtkEnabled: undefined,
  });

  // @ts-expect-error an unknown strategy
  await store.updateSettings({ fallbackStrategy: "random" });
  // @ts-expect-error rtkEnabled is a boolean
  await store.updateSettings({ rtkEnabled: "yes" });
  // @ts-expect-error settings have exactly their 11 keys
  await store.updateSettings({ fallbackStrategyy: "fill-first" });
  // @ts-expect-error a budget mode is off, warn or block
  await store.updateSettings({ budgetLimits: { mode: "stop" } });
  // @ts-expect-error combo models are a list
  await store.updateSettings({ routerPolicy: { combos: [{ name: "c", models: "a/b" }] } });
}

// ---- Routing inputs ----

declare const records: UsageRecord[];
declare const stored: ProviderConnection[];

export function routing(): void {
  resolveRoutePlan("combo:coding", { combos: [{ name: "coding", models: ["openai/gpt-5.4"] }] });
  resolveRoutePlan("combo:coding", { routerPolicy: { comboStrategy: "round-robin" } });
  resolveRoutePlan("openai/gpt-5.4");
  evaluateBudget({ records, settings: { budgetLimits: { mode: "block", dailyUsd: 5 } }, provider: "openai", estimateUsd: 0.1 });
  evaluateBudget({ records, settings: { mode: "warn", monthlyUsd: 100 } });
  const picked = selectProviderConnection({ provider: "openai", model: "gpt-5.4", connections: stored });
  if (picked.status === "selected") {
    const kept: ProviderConnection = picked.connection;
    void kept;
  }
  const refs = [{ id: "a", provider: "openai", priority: 1 }];
  const explained = explainProviderConnectionSelection({ provider: "openai", connections: refs });
  const reasons: string[] = explained.candidates.flatMap((c) => c.reasons);
  void reasons;

  // @ts-expect-error combos are a list (or {combos})
  resolveRoutePlan("combo:coding", { combos: "coding" });
  // @ts-expect-error records are usage records
  evaluateBudget({ records: [{ cost: 1 }] });
  // @ts-expect-error a budget mode is off, warn or block
  evaluateBudget({ records, settings: { mode: "stop" } });
}
