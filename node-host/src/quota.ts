// Quota (README "Quota") and proxy resolution ("Proxy resolution"): thin wrappers over the core.
// The snapshot rule, the refresh plan (settings, TTL, eligibility, proxy routes), the locked
// write of the snapshots and the deactivation rule are all in the core (`core/src/quota/`,
// `core/src/proxy/`); this file only carries the fetches out (the network is the host's).

import type { CoreHost, QuotaStoreCore } from "./core-api.js";
import { errorToJson, type ProviderConnectionStoreBase } from "./connections.js";
import type { ProviderConnection, ProviderConnectionStore, ProxyPool } from "./types.js";
import { call, codedError, drive, toWireArgs, wasm } from "./wasm.js";

/** One window of a fetched quota result (9router's `/api/usage/:id` shape); loose, as providers send it. */
export interface QuotaFetchWindow {
  name?: string;
  used?: number | string | null;
  total?: number | string | null;
  remaining?: number | string | null;
  remainingPercentage?: number | string | null;
  resetAt?: string | null;
  unlimited?: boolean;
}

/** What a fetcher returns: `{plan?, limitReached?, quotas}` (by name, or a list of named windows) or `{message}`. */
export interface QuotaFetchResult {
  plan?: string;
  limitReached?: boolean;
  message?: string;
  quotas?: Record<string, QuotaFetchWindow> | QuotaFetchWindow[];
}

export type QuotaSelectionStatus = "available" | "depleted" | "unknown" | "error";

/** `providerSpecificData.pieLabQuotaSelection`; `score` is `null` where JavaScript's is NaN. */
export interface QuotaSelection {
  checkedAt: string;
  status: QuotaSelectionStatus;
  score: number | null;
  remainingPercentage: number | null;
  resetAt: string | null;
  message: string | null;
}

/** The route of a quota or token call; `url` holds the proxy's credentials (show `displayUrl`). */
export type ProxyRoute = ProxyRouteCommon &
  (
    | { type: "direct" }
    | { type: "http"; url: string; noProxy: string; displayUrl: string }
    | { type: "relay"; relayUrl: string; displayUrl: string }
  );

interface ProxyRouteCommon {
  strictProxy: false;
  source: "pool" | "legacy" | "env" | "none";
  poolId?: string;
  /** The target matched the proxy's `noProxy` list, so the route is direct. */
  noProxyMatched: boolean;
}

export type ProxyEnv = Record<string, string | undefined>;

/** A refresh plan: what `prepareProviderConnections` fetches and why the others are skipped. */
export interface QuotaRefreshPlan {
  provider: string;
  refresh: boolean;
  off?: "quota-strategy-off" | "refresh-disabled";
  ttlMs: number;
  fetches: { connectionId: string; connection: ProviderConnection; proxy: ProxyRoute }[];
  skipped: { connectionId: string; reason: "fresh" | "not-eligible" }[];
}

/** One stored window. */
export interface QuotaWindow {
  name: string;
  used: number | null;
  total: number | null;
  remaining: number | null;
  remainingPercentage: number | null;
  resetAt: string | null;
  unlimited: boolean;
}

/** One stored fetch of a connection's quota. */
export interface QuotaEntry {
  checkedAt: string;
  status: QuotaSelectionStatus;
  remainingPercentage: number | null;
  plan: string | null;
  message: string | null;
  limitReached: boolean | null;
  windows: QuotaWindow[];
}

/** The opt-in deactivation rule (off by default). */
export interface QuotaDeactivationRule {
  enabled: boolean;
  thresholdPercentage: number;
  providers: string[] | null;
}

/** A deactivation or reactivation the rule made. */
export interface QuotaEvent {
  at: string;
  connectionId: string;
  provider: string;
  action: "deactivated" | "reactivated";
  reason: "quota-below-threshold" | "quota-reset" | "quota-above-threshold";
  remainingPercentage: number | null;
  thresholdPercentage: number;
  resetAt: string | null;
}

/** A fetch to record: its result, or what the fetcher threw (redacted before it is stored). */
export interface RecordedQuotaFetch {
  connectionId: string;
  checkedAt: string;
  result?: QuotaFetchResult | unknown;
  error?: unknown;
}

function run<T>(name: string, ...args: unknown[]): T {
  const json = toWireArgs(args, "the argument");
  return JSON.parse(call(() => wasm().quotaCall(name, json))) as T;
}

/** The `pieLabQuotaSelection` snapshot of a fetched result (§6.7 step 3). */
export function deriveQuotaSelection(result: QuotaFetchResult | unknown, checkedAt: string): QuotaSelection {
  return run("deriveQuotaSelection", result, checkedAt);
}

/** The route of a connection's quota call: pool, legacy fields, then `env` (never `process.env` unless passed). */
export function resolveConnectionProxy(
  connection: Partial<ProviderConnection>,
  pools: Partial<ProxyPool>[] = [],
  env: ProxyEnv = {},
  targetUrl?: string,
): ProxyRoute {
  return run("resolveConnectionProxy", connection, pools, env, targetUrl ?? null);
}

/** Whether `host` (`name` or `name:port`) bypasses the proxy by the `NO_PROXY` list `list`. */
export function matchesNoProxy(host: string, list: string): boolean {
  return run("matchesNoProxy", host, list);
}

/** The refresh plan for `provider` over the given connections, settings and pools. */
export function planQuotaRefresh(
  connections: Partial<ProviderConnection>[],
  settings: Record<string, unknown>,
  pools: Partial<ProxyPool>[],
  options: { provider: string; now: Date | number | string; env?: ProxyEnv },
): QuotaRefreshPlan {
  const now = typeof options.now === "string" ? options.now : +options.now;
  return run("planQuotaRefresh", connections, settings, pools, { ...options, now });
}

/** The quota store's methods (file or in memory). */
export abstract class QuotaStoreBase {
  protected abstract readonly core: QuotaStoreCore;
  protected readonly host: CoreHost | undefined = undefined;

  private async run<T>(op: string, ...args: unknown[]): Promise<T> {
    const json = toWireArgs(args, "the argument");
    return JSON.parse(await drive<string>(call(() => this.core.operation(op, json)), this.host)) as T;
  }

  /** Records fetches (and the rule's events) in one locked write; the oldest beyond the limits are dropped. */
  async recordQuotaFetches(fetches: RecordedQuotaFetch[], events: QuotaEvent[] = []): Promise<void> {
    await this.run("recordQuotaFetches", fetches.map((f) => ("error" in f ? { ...f, error: errorToJson(f.error) } : f)), events);
  }
  /** A connection's latest fetch, or `null`. */
  async getQuotaWindows(connectionId: string): Promise<QuotaEntry | null> {
    return this.run("getQuotaWindows", connectionId);
  }
  /** A connection's fetches, oldest first (at most `maxHistory`). */
  async getQuotaHistory(connectionId: string): Promise<QuotaEntry[]> {
    return this.run("getQuotaHistory", connectionId);
  }
  /** Every connection's latest fetch, by connection id. */
  async listQuotaWindows(): Promise<Record<string, QuotaEntry>> {
    return this.run("listQuotaWindows");
  }
  /** Forgets a connection's fetches and events; whether there were any. */
  async removeQuotaConnection(connectionId: string): Promise<boolean> {
    return this.run("removeQuotaConnection", connectionId);
  }
  /** The deactivation rule (`{enabled: false, thresholdPercentage: 10, providers: null}` by default). */
  async getQuotaDeactivationRule(): Promise<QuotaDeactivationRule> {
    return this.run("getQuotaDeactivationRule");
  }
  /** Replaces the deactivation rule (missing fields take their defaults); returns it. */
  async setQuotaDeactivationRule(rule: Partial<QuotaDeactivationRule>): Promise<QuotaDeactivationRule> {
    return this.run("setQuotaDeactivationRule", rule);
  }
  /** The rule's event log, oldest first (at most `maxEvents`), optionally of one connection. */
  async getQuotaEvents(connectionId?: string): Promise<QuotaEvent[]> {
    return this.run("getQuotaEvents", connectionId ?? null);
  }
}

/** How much a quota store keeps. */
export interface QuotaStoreOptions {
  /** Fetches kept per connection (default 48). */
  maxHistory?: number;
  /** Events kept (default 200). */
  maxEvents?: number;
}

/** A quota store in memory. */
export class InMemoryQuotaStore extends QuotaStoreBase {
  protected readonly core: QuotaStoreCore;
  constructor(options: QuotaStoreOptions = {}) {
    super();
    this.core = call(() => wasm().QuotaStoreCore.inMemory(options.maxHistory, options.maxEvents));
  }
}

export function createInMemoryQuotaStore(options?: QuotaStoreOptions): InMemoryQuotaStore {
  return new InMemoryQuotaStore(options);
}

/** What a fetcher is given besides the connection. */
export interface FetchQuotaContext {
  /** The route to take (`strictProxy` is false: on a proxy failure, call directly). */
  proxy: ProxyRoute;
  /** Aborted when the fetch's time is up. */
  signal: AbortSignal;
}

/**
 * Fetches one connection's quota from the provider. Refreshing its OAuth token first (when
 * needed) is the fetcher's job. A throw or a rejection becomes the error snapshot.
 */
export type FetchQuota = (connection: ProviderConnection, context: FetchQuotaContext) => Promise<QuotaFetchResult> | QuotaFetchResult;

export interface PrepareProviderConnectionsOptions {
  provider: string;
  fetchQuota: FetchQuota;
  /** The time (default now). */
  now?: Date | number;
  /** Environment variables for proxies (default `process.env` where there is one). */
  env?: ProxyEnv;
  /** Where the deactivation rule is read and the fetches recorded (no rule without it). */
  quotaStore?: QuotaStoreBase;
  /** Fetches in flight at once (default 4). */
  concurrency?: number;
  /** Time allowed per fetch before it is aborted and counted as failed (default 15000 ms). */
  timeoutMs?: number;
}

type PreparerStore = ProviderConnectionStoreBase;

function preparerStore(store: ProviderConnectionStore): PreparerStore {
  const s = store as Partial<PreparerStore>;
  if (typeof s.quotaRefreshPlan !== "function" || typeof s.quotaRefreshApply !== "function") {
    throw codedError("PIE_INVALID_INPUT", "prepareProviderConnections needs a store of this package");
  }
  return store as PreparerStore;
}

async function fetchOne(fetchQuota: FetchQuota, connection: ProviderConnection, proxy: ProxyRoute, timeoutMs: number): Promise<unknown> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`quota fetch timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fetchQuota(connection, { proxy, signal: controller.signal })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the plan's fetches, at most `concurrency` at a time; a failure is kept as the outcome. */
async function fetchAll(plan: QuotaRefreshPlan, options: PrepareProviderConnectionsOptions): Promise<unknown[]> {
  const outcomes: unknown[] = new Array(plan.fetches.length);
  const timeoutMs = options.timeoutMs ?? 15000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.fetches.length) {
      const i = next++;
      const { connectionId, connection, proxy } = plan.fetches[i]!;
      try {
        outcomes[i] = { connectionId, result: (await fetchOne(options.fetchQuota, connection, proxy, timeoutMs)) ?? null };
      } catch (error) {
        outcomes[i] = { connectionId, error: errorToJson(error) };
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, plan.fetches.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

function defaultEnv(): ProxyEnv {
  return (globalThis as { process?: { env?: ProxyEnv } }).process?.env ?? {};
}

/**
 * `prepareProviderConnections` (§6.7): refreshes the quota snapshots of `provider`'s connections
 * that need it (fetches in parallel, bounded, each with a timeout), writes them in one locked
 * mutation with the deactivation rule, records them in `quotaStore`, and returns the provider's
 * active connections.
 */
export async function prepareProviderConnections(
  store: ProviderConnectionStore,
  options: PrepareProviderConnectionsOptions,
): Promise<ProviderConnection[]> {
  const connections = preparerStore(store);
  const now = +(options.now ?? Date.now());
  const env = options.env ?? defaultEnv();
  const plan = await connections.quotaRefreshPlan(options.provider, { now, env });
  if (!plan.refresh) return connections.getProviderConnections({ provider: options.provider, isActive: true });
  const deactivation = await options.quotaStore?.getQuotaDeactivationRule();
  const outcomes = await fetchAll(plan, options);
  const report = await connections.quotaRefreshApply(options.provider, outcomes, { now, deactivation });
  await options.quotaStore?.recordQuotaFetches(report.fetches, report.events);
  return report.connections;
}

/** Options of {@link createQuotaAwareProviderConnectionPreparer}. */
export interface QuotaAwarePreparerOptions extends Omit<PrepareProviderConnectionsOptions, "provider" | "now"> {
  providerConnectionStore: ProviderConnectionStore;
  /** Accepted for the reference's signature: pools are read from `providerConnectionStore` (one file holds both). */
  proxyPoolStore?: unknown;
  now?: () => Date | number;
}

/** The reference's preparer: `(provider) => Promise<connections>`, wired as `prepareProviderConnections`. */
export function createQuotaAwareProviderConnectionPreparer(
  options: QuotaAwarePreparerOptions,
): (provider: string) => Promise<ProviderConnection[]> {
  const { providerConnectionStore, now, ...rest } = options;
  return (provider) => prepareProviderConnections(providerConnectionStore, { ...rest, provider, now: now?.() });
}

/** The report of the preparer's locked step. */
export interface QuotaRefreshReport {
  connections: ProviderConnection[];
  fetches: RecordedQuotaFetch[];
  events: QuotaEvent[];
}
