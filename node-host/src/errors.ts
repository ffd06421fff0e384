// The package's one error class: every error the package throws on purpose is a PieStorageError
// with a stable `code`, so `instanceof` and `switch (err.code)` both work.

/** Stable error codes carried by `err.code`. */
export type PieStorageErrorCode =
  | "PIE_INVALID_USAGE_RECORD"
  | "PIE_INVALID_QUERY"
  | "PIE_INVALID_JSON"
  | "PIE_STORAGE_ERROR"
  | "PIE_LOCK_TIMEOUT"
  | "PIE_LOCK_COMPROMISED"
  | "PIE_CORRUPT_FILE"
  | "PIE_INVALID_INPUT"
  | "PIE_INVALID_REQUEST_DETAIL"
  | "PIE_NOT_FOUND"
  | "PIE_PANIC"
  | "PIE_NOT_INITIALIZED"
  | "PIE_WASM_LOAD_FAILED";

export class PieStorageError extends Error {
  readonly code: PieStorageErrorCode;
  /** The offending field path (`usage.input`) for validation errors, or the file concerned. */
  readonly path?: string;

  constructor(code: PieStorageErrorCode, message: string, options: { cause?: unknown; path?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PieStorageError";
    this.code = code;
    if (options.path !== undefined) this.path = options.path;
  }

  /** The core's coded `Error` (code `PIE_*`) as a PieStorageError; anything else unchanged. */
  static from<T>(error: T): T | PieStorageError {
    if (error instanceof PieStorageError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (!(error instanceof Error) || typeof code !== "string" || !code.startsWith("PIE_")) return error;
    const path = (error as { path?: unknown }).path;
    return new PieStorageError(code as PieStorageErrorCode, error.message, {
      cause: error,
      path: typeof path === "string" ? path : undefined,
    });
  }
}
