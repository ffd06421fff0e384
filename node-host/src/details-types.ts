// Types of the request-details store (core/src/details): what each routed attempt sent and got
// back, redacted before it is written.

/**
 * One attempt's details. Fields beyond these are kept as given (room for what 9router records).
 * A streaming attempt records its start and its end under the same `id`: reads show the latest.
 */
export interface RequestDetail {
  /** One id per attempt (non-empty). */
  id: string;
  requestId?: string | null;
  provider?: string | null;
  model?: string | null;
  connectionId?: string | null;
  attemptIndex?: number | null;
  /** ISO date; the store sets the time of writing when it is missing. */
  timestamp?: string | null;
  /** `success`, `error`, or what the writer records (`pending` for a stream's start). */
  status?: string | null;
  latency?: { ttft?: number | null; total?: number | null } | null;
  tokens?: Record<string, unknown> | null;
  request?: unknown;
  providerRequest?: unknown;
  providerResponse?: unknown;
  response?: unknown;
  [key: string]: unknown;
}

/**
 * A detail as written: `id` may be left out when `requestId` is given; the store then uses the
 * attempt's own id, `<requestId>:<attemptIndex>` (attempt 0 when absent), so both writes of a
 * streaming attempt land on one row.
 */
export type NewRequestDetail = RequestDetail | (Omit<RequestDetail, "id"> & { id?: undefined; requestId: string });

/** A payload field whose JSON exceeded `maxFieldSize`, as 9router's readers expect. */
export interface TruncatedField {
  _truncated: true;
  /** Length of the field's JSON text (UTF-16 units). */
  _originalSize: number;
  /** Its first 200 characters. */
  _preview: string;
}

/** Options of a request-details store; each may be left out for its default. */
export interface RequestDetailsOptions {
  /** Whether records are written (default true); reads work either way. */
  enabled?: boolean;
  /** How many attempts reads show, newest first (default 1000). */
  maxRecords?: number;
  /** Bytes of segments kept on disk (default 50 MiB; the newest segment may add one more). */
  maxBytes?: number;
  /** Records older than this are neither shown nor kept (default 30 days; 0: any age). */
  maxAgeMs?: number;
  /** Largest JSON text of one payload field before it is truncated (default 1 MiB). */
  maxFieldSize?: number;
  /** Size at which a new segment is started (default maxBytes / 8, within 64 KiB..8 MiB). */
  segmentBytes?: number;
  /** A fixed clock (epoch ms), for reproducible tests. */
  fixedNowMs?: number;
}

/** The configuration a store runs with: every option resolved (what a dashboard shows). */
export interface RequestDetailsConfig {
  enabled: boolean;
  maxRecords: number;
  maxBytes: number;
  /** `null`: any age. */
  maxAgeMs: number | null;
  maxFieldSize: number;
  segmentBytes: number;
}

/** Filters (exact matches, all must hold) and the page wanted. */
export interface RequestDetailsQuery {
  /** 1-based (default 1). */
  page?: number;
  /** 1..100 (default 20; out of range is clamped). */
  pageSize?: number;
  provider?: string;
  model?: string;
  connectionId?: string;
  status?: string;
  requestId?: string;
  /** At or after (a Date, epoch ms or a date string). */
  startDate?: Date | number | string;
  /** At or before. */
  endDate?: Date | number | string;
}

/** A page in the shape of 9router's `GET /api/usage/request-details`. */
export interface RequestDetailsPage {
  details: RequestDetail[];
  pagination: {
    page: number;
    pageSize: number;
    totalItems: number;
    totalPages: number;
    hasNext: boolean;
    hasPrev: boolean;
  };
}

/** A line of a segment that reads skipped. Never contains the line's content. */
export interface RequestDetailsDiagnostic {
  /** The segment's file name. */
  segment: string;
  line: number;
  byteOffset: number;
  code: "INVALID_JSON" | "TRUNCATED_LINE" | "NOT_AN_OBJECT" | "NOT_A_RECORD";
  message: string;
}

/** A request-details store: a folder of segments (Node), or memory. */
export interface RequestDetailsStore {
  /** Validates, redacts, truncates and appends; `false` when the store is not enabled. */
  recordRequestDetail(detail: NewRequestDetail): Promise<boolean>;
  /** One page of the latest state of each attempt, newest first. */
  getRequestDetails(query?: RequestDetailsQuery): Promise<RequestDetailsPage>;
  /** The latest state of attempt `id`, or `null`. */
  getRequestDetail(id: string): Promise<RequestDetail | null>;
  /** The distinct providers shown, sorted. */
  getRequestDetailProviders(): Promise<string[]>;
  /** The configuration in effect. */
  getConfig(): RequestDetailsConfig;
  /** The lines the last read skipped. */
  getLastReadDiagnostics(): RequestDetailsDiagnostic[];
}
