// The loaded wasm module. Each entry point (Node, browser) loads its own wasm-bindgen build and
// installs it here before anything else runs; the rest of the package only calls through it.

import type * as Wasm from "../wasm/node/pie_storage_wasm.js";
import { PieStorageError, type PieStorageErrorCode } from "./errors.js";

export type WasmModule = typeof Wasm;

let current: WasmModule | undefined;

export function installWasm(module: WasmModule): void {
  current = module;
}

export function wasm(): WasmModule {
  if (!current) throw codedError("PIE_NOT_INITIALIZED", "the wasm core is not loaded");
  return current;
}

export function codedError(code: PieStorageErrorCode, message: string, extra: { cause?: unknown; path?: string } = {}): PieStorageError {
  return new PieStorageError(code, message, extra);
}

/** `JSON.stringify` for values crossing into the core: a cyclic or BigInt value is a typed error. */
export function toJsonText(value: unknown, what: string, replacer?: (key: string, v: unknown) => unknown): string {
  try {
    return JSON.stringify(value, replacer);
  } catch (error) {
    throw codedError("PIE_INVALID_INPUT", `${what} cannot be written as JSON (a cyclic or BigInt value)`, { cause: error });
  }
}

/**
 * Runs a wasm call and turns a Rust panic (a WebAssembly.RuntimeError) into an Error with code
 * PIE_PANIC and the panic's message; the core's coded errors become `PieStorageError`s.
 */
export function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      const message = current?.takePanicMessage() ?? error.message;
      throw codedError("PIE_PANIC", message, { cause: error });
    }
    throw PieStorageError.from(error);
  }
}

/** A core store whose file lock the host takes without blocking (see `JsStorage::lock_step`). */
export interface LockingCore {
  lockStep(): number | undefined;
  releaseUnusedLock(): void;
}

/**
 * Runs `operation` holding the store's file lock, taken without blocking the event loop: the
 * core makes each attempt and says how long to wait (its backoff and timeout); this only awaits.
 * The operation adopts the lock and releases it; a lock it did not use is released here.
 */
export async function withFileLock<T>(core: LockingCore, operation: () => T): Promise<T> {
  // Each store write is one turn of the event loop: a caller awaiting many writes in a row
  // (microtasks only) would otherwise starve timers and I/O for the whole batch.
  await new Promise((resolve) => setImmediate(resolve));
  for (;;) {
    const wait = call(() => core.lockStep());
    if (wait === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  try {
    return call(operation);
  } finally {
    call(() => core.releaseUnusedLock());
  }
}
