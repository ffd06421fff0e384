// Provider-connection stores: the core's store behind the reference's async API. JSON text in
// (in the core's wire form, so that an explicit `undefined`, which deletes a key or resets a
// setting, survives the trip) and out.

import type {
  CreateProviderConnectionInput,
  CreateProxyPoolInput,
  ProviderConnection,
  ProviderConnectionFilter,
  ProviderConnectionJsonState,
  ProviderConnectionSettings,
  ProviderConnectionStore,
  ProviderConnectionSummary,
  ProxyPool,
  ProxyPoolFilter,
  UpdateProviderConnectionInput,
  UpdateProxyPoolInput,
} from "./types.js";
import type { InputFields } from "./field-types.js";
import type { RoutePlan } from "./routing.js";
import { idsForCore } from "./ids.js";
import type { CoreHost } from "./core-api.js";
import { call, drive, toWireArgs, wasm } from "./wasm.js";

function encode(value: unknown): string {
  return toWireArgs(value, "the argument");
}

export type ConnectionStoreCore = import("./core-api.js").ProviderConnectionStoreCore;
type Core = ConnectionStoreCore;

/** The methods shared by the JSON and in-memory stores. */
export abstract class ProviderConnectionStoreBase implements ProviderConnectionStore {
  protected abstract readonly core: Core;
  /** Where the store's steps are carried out (none for the in-memory store). */
  protected readonly host: CoreHost | undefined = undefined;
  /**
   * The routes for a requested model under the stored routing policy, advancing this store's
   * combo rotation (`/routing-policy/preview` shape). The rotation is the core store's.
   */
  async planRoutes(requestedModel: string): Promise<RoutePlan> {
    return this.run("planRoutes", requestedModel);
  }

  /** Forgets the rotation of one combo, or of all (done before this returns: no I/O). */
  resetComboRotation(name?: string): void {
    void this.run("resetComboRotation", name ?? null);
  }

  private async run<T>(op: string, ...args: unknown[]): Promise<T> {
    const json = encode(args);
    const text = await drive<string>(call(() => this.core.operation(op, json)), this.host);
    return JSON.parse(text) as T;
  }

  async getProviderConnections(filter: ProviderConnectionFilter = {}): Promise<ProviderConnection[]> {
    return this.run("getProviderConnections", filter);
  }
  async getProviderConnectionById(id: string): Promise<ProviderConnection | null> {
    return this.run("getProviderConnectionById", id);
  }
  async createProviderConnection(data: CreateProviderConnectionInput): Promise<ProviderConnection> {
    return this.run("createProviderConnection", data);
  }
  async updateProviderConnection(id: string, data: UpdateProviderConnectionInput): Promise<ProviderConnection | null> {
    return this.run("updateProviderConnection", id, data);
  }
  async deleteProviderConnection(id: string): Promise<ProviderConnection | null> {
    return this.run("deleteProviderConnection", id);
  }
  async getSettings(): Promise<ProviderConnectionSettings> {
    return this.run("getSettings");
  }
  async updateSettings(updates: InputFields<ProviderConnectionSettings>): Promise<ProviderConnectionSettings> {
    return this.run("updateSettings", updates);
  }
  async getProxyPools(filter: ProxyPoolFilter = {}): Promise<ProxyPool[]> {
    return this.run("getProxyPools", filter);
  }
  async getProxyPoolById(id: string): Promise<ProxyPool | null> {
    return this.run("getProxyPoolById", id);
  }
  async createProxyPool(data: CreateProxyPoolInput): Promise<ProxyPool> {
    return this.run("createProxyPool", data);
  }
  async updateProxyPool(id: string, data: UpdateProxyPoolInput): Promise<ProxyPool | null> {
    return this.run("updateProxyPool", id, data);
  }
  async deleteProxyPool(id: string): Promise<ProxyPool | null> {
    return this.run("deleteProxyPool", id);
  }

  /** The quota preparer's first step (the refresh plan); use `prepareProviderConnections`. */
  async quotaRefreshPlan(provider: string, options: { now: number; env: Record<string, string | undefined> }): Promise<import("./quota.js").QuotaRefreshPlan> {
    return this.run("quotaRefreshPlan", provider, options);
  }

  /** The quota preparer's locked step after the fetches; use `prepareProviderConnections`. */
  async quotaRefreshApply(
    provider: string,
    outcomes: unknown[],
    options: { now?: number; deactivation?: import("./quota.js").QuotaDeactivationRule | undefined },
  ): Promise<import("./quota.js").QuotaRefreshReport> {
    return this.run("quotaRefreshApply", provider, outcomes, options);
  }

  /**
   * The operator's cooldown clear (§7.4 `POST /models/availability` `clearCooldown`), in one
   * locked step: `modelLock_<model>` becomes `null` on every connection of `provider` where it
   * is set; an `"unavailable"` one becomes `"active"` with its error fields cleared.
   */
  async clearModelCooldown(
    provider: string,
    model?: string | null,
  ): Promise<{ ok: true; provider: string; model: string | null; lockKey: string; clearedCount: number }> {
    return this.run("clearModelCooldown", provider, model ?? null);
  }

  /**
   * Selects a connection for `provider`/`model` among the active ones with the stored settings
   * (as `selectProviderConnection`) and writes its round-robin bookkeeping in the same locked
   * step, so concurrent routers take turns exactly as one would.
   */
  async acquireProviderConnection(
    provider: string,
    model?: string | null,
    options: AcquireProviderConnectionOptions = {},
  ): Promise<import("./routing.js").ProviderConnectionSelection> {
    return this.run("acquireProviderConnection", provider, model ?? null, {
      excludeConnectionIds: idsForCore(options.excludeConnectionIds),
      preferredConnectionId: options.preferredConnectionId,
      now: options.now === undefined ? undefined : +options.now,
    });
  }

  /**
   * Brings the connections synced from `auth.json` in line with it (§6.6), in one locked step:
   * creates a connection for a new credential, updates a changed one, and deactivates and clears
   * synced connections whose credential was removed. Manual connections are never touched.
   * `authJson` is the parsed file (`{}` when it does not exist); reading it is the caller's job.
   */
  async syncAuthJsonConnections(
    authJson: Record<string, unknown> | null,
    provider?: string | null,
  ): Promise<{ created: string[]; updated: string[]; deactivated: string[]; unchanged: string[] }> {
    return this.run("syncAuthJsonConnections", authJson ?? {}, provider ?? null);
  }

  /**
   * Records a failure on a connection in one locked update (§6.3): the model's lock until the
   * cooldown ends (a provider's own reset time wins), `testStatus: "unavailable"`, `lastError`
   * (first 100 characters), `errorCode`, `lastErrorAt` and `backoffLevel`. `null` for an unknown id.
   * `now` defaults to the store's clock (so a `fixedNowMs` store writes its fixed time).
   */
  async markProviderConnectionUnavailable(
    id: string,
    model: string | null | undefined,
    error: unknown,
    now?: Date | number,
  ): Promise<ProviderConnection | null> {
    return this.run("markProviderConnectionUnavailable", id, model ?? null, errorToJson(error), now === undefined ? null : +now);
  }

  /**
   * Clears what a success clears (§6.4): the model's lock, the account-wide lock and expired
   * locks; the error fields too when no other lock is active. Writes only when something changes.
   */
  async clearProviderConnectionError(
    id: string,
    model: string | null | undefined,
    now?: Date | number,
  ): Promise<ProviderConnection | null> {
    return this.run("clearProviderConnectionError", id, model ?? null, now === undefined ? null : +now);
  }
}

/** Options of {@link ProviderConnectionStoreBase.acquireProviderConnection}. */
export interface AcquireProviderConnectionOptions {
  excludeConnectionIds?: string | string[] | Set<string>;
  preferredConnectionId?: string;
  /** The time of the acquisition (default: the store's clock, read under the lock). */
  now?: Date | number;
}

/**
 * Errors cross as `{__pieError: true, ...own properties, message}` (the marker tells the core an
 * `Error` from a plain object with a `message`); other values as they are.
 */
export function errorToJson(value: unknown): unknown {
  if (value instanceof Error) {
    const own: Record<string, unknown> = {};
    for (const key of Object.keys(value)) own[key] = (value as unknown as Record<string, unknown>)[key];
    return { __pieError: true, ...own, message: value.message };
  }
  return value;
}

/** Options of the provider-connection stores. */
export interface ProviderConnectionStoreOptions {
  /**
   * Use this time (epoch ms) for every timestamp and sequential ids (`conn_00000000-0000-4000-
   * 8000-000000000001`, ...) instead of the clock and random UUIDs: reproducible files and tests.
   */
  fixedNowMs?: number;
}

/** Connections, pools and settings in memory (seed connections are kept exactly as given). */
export class InMemoryProviderConnectionStore extends ProviderConnectionStoreBase {
  protected readonly core: Core;

  constructor(initial?: Partial<ProviderConnectionJsonState>, options: ProviderConnectionStoreOptions = {}) {
    super();
    const seed = initial === undefined ? undefined : encode(initial);
    const Core = wasm().ProviderConnectionStoreCore;
    this.core = call(() =>
      options.fixedNowMs === undefined ? Core.inMemory(seed) : Core.inMemoryFixed(seed, options.fixedNowMs as number),
    );
  }

  /** Removes every connection and pool and resets the settings to their defaults. */
  clear(): void {
    this.core.clear();
  }
}

export function createInMemoryProviderConnectionStore(
  initial?: Partial<ProviderConnectionJsonState>,
  options?: ProviderConnectionStoreOptions,
): InMemoryProviderConnectionStore {
  return new InMemoryProviderConnectionStore(initial, options);
}

/** A bare v4 UUID, the id format of proxy pools. */
export function createProxyPoolId(): string {
  return wasm().createProxyPoolId();
}

/** The server's list view of a connection: credentials replaced by `has*` flags, secrets redacted. */
export function toProviderConnectionSummary(connection: ProviderConnection): ProviderConnectionSummary {
  return JSON.parse(call(() => wasm().providerConnectionSummary(encode(connection)))) as ProviderConnectionSummary;
}

/** A proxy URL with its password shown as `****`; other text is returned unchanged. */
export function maskProxyUrl(url: string): string {
  return wasm().maskProxyUrl(String(url));
}
