// Public types of @pie-lab/storage, field for field as the TypeScript reference declares them.

import type { DeclaredFields, InputFields, ModelLockKey } from "./field-types.js";

export type UsageRecordStatus = "success" | "error" | "aborted" | "skipped";
export type UsagePricingSource = "pie-metadata" | "override" | "provider" | "estimated" | "unknown";
export type UsageRoutingMode = "fixed" | "router" | "fallback";

export interface UsageTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning?: number;
  totalTokens: number;
  estimated?: boolean;
}

export interface UsageCost {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning?: number;
  total: number;
  currency: "USD";
  pricingSource: UsagePricingSource;
}

export interface UsageMedia {
  kind: "stt" | "tts" | "embedding" | "webSearch" | "webFetch" | "image" | (string & {});
  inputBytes?: number;
  outputBytes?: number;
  inputChars?: number;
  audioSeconds?: number;
  billableSeconds?: number;
  billableTokens?: number;
  billingUnit?: "audio-minute" | "input-token" | "request" | "byte" | (string & {});
  cached?: boolean;
  estimated?: boolean;
  pricingVersion?: string;
}

export interface UsageTokenSaver {
  provider: "rtk" | (string & {});
  bytesBefore: number;
  bytesAfter: number;
  bytesSaved: number;
  hits: number;
  filters: string[];
}

export interface UsageTraceEvent {
  timestamp: string;
  phase: string;
  message?: string;
  provider?: string;
  model?: string;
  connectionId?: string;
  attemptIndex?: number;
  status?: string;
  metadata?: Record<string, unknown>;
}

export interface UsageRecord {
  id: string;
  requestId: string;
  timestamp: string;
  requestedModel: string;
  routingMode: UsageRoutingMode;
  routeSource?: UsageRoutingMode;
  resolvedProvider: string;
  resolvedModel: string;
  connectionId?: string;
  attemptIndex: number;
  attemptCount: number;
  endpoint?: string;
  clientOrigin?: string;
  apiKeyId?: string;
  agentRunId?: string;
  usage?: UsageTokens;
  cost?: UsageCost;
  media?: UsageMedia;
  tokenSaver?: UsageTokenSaver;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  status: UsageRecordStatus;
  errorCode?: string | number;
  errorMessage?: string;
  trace?: UsageTraceEvent[];
}

export interface UsageRecordQuery {
  status?: UsageRecordStatus | UsageRecordStatus[];
  provider?: string;
  model?: string;
  routingMode?: UsageRoutingMode | UsageRoutingMode[];
  requestId?: string;
  agentRunId?: string;
  endpoint?: string;
  clientOrigin?: string;
  from?: string | Date;
  to?: string | Date;
  limit?: number;
  order?: "asc" | "desc";
}

export interface UsageSummaryGroup {
  key: string;
  records: number;
  success: number;
  error: number;
  aborted: number;
  skipped: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  costUsd: number;
}

export interface UsageSummary extends UsageSummaryGroup {
  byProvider: UsageSummaryGroup[];
  byModel: UsageSummaryGroup[];
  byEndpoint: UsageSummaryGroup[];
  byClientOrigin: UsageSummaryGroup[];
}

/** A group list the reference's summary lacks: by `connectionId`, `apiKeyId`, `status`, `requestedModel`. */
export type UsageSummaryGroupBy = "connection" | "apiKey" | "status" | "requestedModel";

/** What a summary adds to the reference's. Without options the output is the reference's exactly. */
export interface UsageSummaryOptions {
  /** Extra lists, output after `byClientOrigin` as `byConnection`, `byApiKey`, `byStatus`, `byRequestedModel`. */
  groupBy?: UsageSummaryGroupBy[];
  /** Keep the first `top` groups of every list and sum the rest into one row keyed `"other"`. */
  top?: number;
}

/** A summary with the extra lists its options asked for. */
export interface UsageSummaryWithGroups extends UsageSummary {
  byConnection?: UsageSummaryGroup[];
  byApiKey?: UsageSummaryGroup[];
  byStatus?: UsageSummaryGroup[];
  byRequestedModel?: UsageSummaryGroup[];
}

/** The length of a series bucket. Weeks start on Monday (ISO). */
export type UsageSeriesBucketSize = "minute" | "hour" | "day" | "week" | "month";

/** How `summarizeUsageByTime` cuts time. */
export interface UsageSeriesOptions {
  /** Default `"day"`. */
  bucket?: UsageSeriesBucketSize;
  /** An IANA zone name (`"Europe/Berlin"`); default `"UTC"`. Days follow its local midnight (23 or 25 hours on DST days). */
  timeZone?: string;
}

/** One bucket: a summary group keyed by its label, with its `[start, end)` as ISO instants. */
export interface UsageSeriesBucket extends UsageSummaryGroup {
  /** `2026-03`, `2026-03-08` (days, and weeks by their Monday), `2026-11-01T01:00-04:00` (hours, minutes). */
  key: string;
  start: string;
  end: string;
}

/** Usage per calendar bucket, every bucket of the range present. */
export interface UsageSeries {
  bucket: UsageSeriesBucketSize;
  timeZone: string;
  /** The first bucket's start, `null` without buckets. */
  from: string | null;
  /** The last bucket's end, `null` without buckets. */
  to: string | null;
  buckets: UsageSeriesBucket[];
}

export interface UsageStore {
  recordUsage(record: UsageRecord): void | Promise<void>;
  getUsageRecords?(): UsageRecord[] | Promise<UsageRecord[]>;
}

/** Why a line of a usage file was skipped. Never contains the line's content. */
export interface UsageLineDiagnostic {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's first byte. */
  byteOffset: number;
  code: "INVALID_JSON" | "TRUNCATED_LINE" | "NOT_AN_OBJECT";
  message: string;
}

export type { PieStorageErrorCode } from "./errors.js";
export { PieStorageError } from "./errors.js";

// ---- Provider connections, proxy pools and settings (reference §1.1, §1.3-§1.6) ----

export type AccountFallbackStrategy = "fill-first" | "round-robin" | "quota-aware";
export type QuotaSelectionStrategy = "off" | "prefer-remaining" | "require-remaining";
export type ProviderAuthType = "oauth" | "apikey" | "access_token" | (string & {});
export type ProxyPoolType = "http" | "vercel";
export type RouterComboStrategy = "fallback" | "round-robin";
export type BudgetPolicyMode = "off" | "warn" | "block";

export interface ProviderConnection {
  id: string;
  provider: string;
  authType: ProviderAuthType;
  name?: string | null;
  displayName?: string | null;
  email?: string | null;
  priority?: number | null;
  isActive: boolean;
  apiKey?: string | null;
  accessToken?: string | null;
  refreshToken?: string | null;
  projectId?: string | null;
  providerSpecificData?: Record<string, unknown> | null;
  lastUsedAt?: string | null;
  consecutiveUseCount?: number | null;
  testStatus?: string | null;
  lastError?: unknown;
  lastErrorAt?: string | null;
  errorCode?: string | number | null;
  backoffLevel?: number | null;
  createdAt: string;
  updatedAt: string;
  /** Model locks (`modelLock_gpt-5.4`, `modelLock___all`): ISO expiry, `null` once cleared. */
  [key: ModelLockKey]: string | null;
  /** Any other key is kept as stored (`expiresAt`, fields of newer versions). */
  [key: string]: unknown;
}

/**
 * What the selection functions read of a connection. Like the router, they accept such bare
 * references as well as stored connections (§7.4): a missing `isActive` counts as active (only
 * `false` is inactive), a missing `priority` sorts as 999 and is reported as `null`. Any other
 * key (`lastUsedAt`, `modelLock_<model>`, `providerSpecificData`, ...) is read when present.
 */
export interface ProviderConnectionRef {
  id: string;
  provider: string;
  isActive?: boolean | null;
  priority?: number | null;
  [key: string]: unknown;
}

/** One connection in {@link ProviderConnectionSelectionExplanation.candidates}. */
export interface ProviderConnectionCandidate {
  id: string;
  provider: string;
  isActive: boolean;
  priority: number | null;
  selected: boolean;
  selectable: boolean;
  /** The router's texts, e.g. "selected by account strategy", "model cooldown for gpt-5". */
  reasons: string[];
  lastUsedAt: string | null;
  consecutiveUseCount: number | null;
  modelLockUntil: string | null;
  quotaSelection: Record<string, unknown> | null;
  quotaFresh: boolean;
  quotaScore: number;
  remainingPercentage: number | null;
}

/** The `/account-selection` entry for one provider and model. */
export interface ProviderConnectionSelectionExplanation {
  provider: string;
  model: string | null;
  status: "selected" | "unavailable" | "missing";
  selectedConnectionId: string | null;
  /** As resolved from the settings, unvalidated (an unknown value acts as fill-first). */
  strategy: AccountFallbackStrategy | (string & {});
  quotaStrategy: QuotaSelectionStrategy;
  quotaMaxAgeMs: number;
  quotaMinRemainingPercentage: number;
  candidates: ProviderConnectionCandidate[];
  message: string;
}

/**
 * `createProviderConnection(data)`: every field of {@link ProviderConnection} but `id`,
 * `createdAt` and `updatedAt`, with its type; only `provider` is required. Other keys are kept
 * as given (model locks must be an ISO time or `null`).
 */
export interface CreateProviderConnectionInput
  extends InputFields<Omit<DeclaredFields<ProviderConnection>, "id" | "createdAt" | "updatedAt" | "provider">> {
  provider: string;
  [key: ModelLockKey]: string | null | undefined;
  [key: string]: unknown;
}

/**
 * `updateProviderConnection(id, data)`: any field of {@link ProviderConnection}, with its type;
 * `undefined` deletes the key. Other keys are set as given (model locks: ISO time or `null`).
 */
export interface UpdateProviderConnectionInput extends InputFields<DeclaredFields<ProviderConnection>> {
  [key: ModelLockKey]: string | null | undefined;
  [key: string]: unknown;
}

export interface ProviderConnectionFilter {
  provider?: string;
  isActive?: boolean;
}

export interface ProviderStrategyConfig {
  fallbackStrategy?: AccountFallbackStrategy;
  stickyRoundRobinLimit?: number | string;
  quotaStrategy?: QuotaSelectionStrategy;
  quotaMinRemainingPercentage?: number | string;
  quotaMaxAgeMs?: number | string;
  quotaRefreshTtlMs?: number | string;
  quotaRefreshBeforeSelection?: boolean;
  proxyPoolId?: string;
}

export interface RouterPolicyCombo {
  name: string;
  models: string[];
  kind?: string | null;
  strategy?: RouterComboStrategy;
  stickyLimit?: number | string;
}

export interface RouterPolicyComboStrategyConfig {
  strategy?: RouterComboStrategy;
  stickyLimit?: number | string;
}

export interface RouterPolicySettings {
  aliases?: Record<string, string | string[]>;
  intents?: Record<string, string | string[]>;
  combos?: RouterPolicyCombo[] | { combos?: RouterPolicyCombo[] };
  comboStrategy?: RouterComboStrategy;
  comboStickyLimit?: number | string;
  comboStrategies?: Record<string, RouterComboStrategy | RouterPolicyComboStrategyConfig>;
}

export interface BudgetLimitRule {
  mode?: BudgetPolicyMode;
  requestUsd?: number | string | null;
  dailyUsd?: number | string | null;
  monthlyUsd?: number | string | null;
}

export interface BudgetLimitSettings extends BudgetLimitRule {
  providerLimits?: Record<string, BudgetLimitRule>;
}

export interface ProviderConnectionSettings {
  fallbackStrategy?: AccountFallbackStrategy;
  stickyRoundRobinLimit?: number | string;
  quotaStrategy?: QuotaSelectionStrategy;
  quotaMinRemainingPercentage?: number | string;
  quotaMaxAgeMs?: number | string;
  quotaRefreshBeforeSelection?: boolean;
  quotaRefreshTtlMs?: number | string;
  rtkEnabled?: boolean;
  budgetLimits?: BudgetLimitSettings;
  routerPolicy?: RouterPolicySettings;
  providerStrategies?: Record<string, ProviderStrategyConfig>;
}

export interface ProxyPool {
  id: string;
  name: string;
  proxyUrl: string;
  noProxy?: string | null;
  type: ProxyPoolType;
  isActive: boolean;
  strictProxy?: boolean | null;
  testStatus?: string | null;
  lastTestedAt?: string | null;
  lastError?: unknown;
  createdAt: string;
  updatedAt: string;
  [key: string]: unknown;
}

/**
 * `createProxyPool(data)`: `name` and `proxyUrl` required, `id` allowed, every other field of
 * {@link ProxyPool} but the timestamps optional with its type; other keys are kept as given.
 */
export interface CreateProxyPoolInput
  extends InputFields<Omit<DeclaredFields<ProxyPool>, "name" | "proxyUrl" | "createdAt" | "updatedAt">> {
  name: string;
  proxyUrl: string;
  [key: string]: unknown;
}

/** `updateProxyPool(id, data)`: any field of {@link ProxyPool} but `id`, with its type. */
export interface UpdateProxyPoolInput extends InputFields<Omit<DeclaredFields<ProxyPool>, "id">> {
  [key: string]: unknown;
}

export interface ProxyPoolFilter {
  isActive?: boolean;
  testStatus?: string;
}

export interface ProxyPoolStore {
  getProxyPools(filter?: ProxyPoolFilter): Promise<ProxyPool[]>;
  getProxyPoolById(id: string): Promise<ProxyPool | null>;
  createProxyPool(data: CreateProxyPoolInput): Promise<ProxyPool>;
  updateProxyPool(id: string, data: UpdateProxyPoolInput): Promise<ProxyPool | null>;
  deleteProxyPool(id: string): Promise<ProxyPool | null>;
}

export interface ProviderConnectionStore extends ProxyPoolStore {
  getProviderConnections(filter?: ProviderConnectionFilter): Promise<ProviderConnection[]>;
  getProviderConnectionById(id: string): Promise<ProviderConnection | null>;
  createProviderConnection(data: CreateProviderConnectionInput): Promise<ProviderConnection>;
  updateProviderConnection(id: string, data: UpdateProviderConnectionInput): Promise<ProviderConnection | null>;
  deleteProviderConnection(id: string): Promise<ProviderConnection | null>;
  getSettings(): Promise<ProviderConnectionSettings>;
  /** Sets the given settings (`undefined` resets one to its default); each keeps its type. */
  updateSettings(updates: InputFields<ProviderConnectionSettings>): Promise<ProviderConnectionSettings>;
}

export interface ProviderConnectionJsonState {
  connections: ProviderConnection[];
  settings: ProviderConnectionSettings;
  proxyPools: ProxyPool[];
}

/**
 * The server's list view of a connection: every field of {@link ProviderConnection} with its
 * type except the credentials, `has*` flags instead, and secret-looking values redacted
 * (`providerSpecificData` keys matching token/secret/key/password read `"[redacted]"`).
 */
export interface ProviderConnectionSummary
  extends Omit<DeclaredFields<ProviderConnection>, "apiKey" | "accessToken" | "refreshToken"> {
  hasApiKey: boolean;
  hasAccessToken: boolean;
  hasRefreshToken: boolean;
  [key: ModelLockKey]: string | null;
  [key: string]: unknown;
}
