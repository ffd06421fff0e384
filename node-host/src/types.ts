// Public types of @pie-lab/storage, field for field as the TypeScript reference declares them.

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

/** Stable error codes carried by `err.code`. */
export type PieStorageErrorCode =
  | "PIE_INVALID_USAGE_RECORD"
  | "PIE_INVALID_QUERY"
  | "PIE_INVALID_JSON"
  | "PIE_STORAGE_ERROR"
  | "PIE_LOCK_TIMEOUT"
  | "PIE_LOCK_COMPROMISED"
  | "PIE_PANIC";

export interface PieStorageError extends Error {
  code: PieStorageErrorCode;
  /** The offending field path (`usage.input`) for validation errors. */
  path?: string;
}
