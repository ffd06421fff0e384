// The wasm core, loaded on first use. Importing the package never compiles or fetches anything
// (no top-level await), so a failure to load is an error of the first call, which the caller
// can catch. The default entries register a loader over the bytes bundled in
// `wasm/pie_storage_wasm_bytes.js`; the slim entry has none until `init()`.

import * as glue from "../wasm/pie_storage_wasm.js";
import type { CoreApi, CoreHost, CoreOperation, CoreRequest } from "./core-api.js";
import { PieStorageError, type PieStorageErrorCode } from "./errors.js";

export type { CoreHost, CoreOperation, CoreRequest } from "./core-api.js";
/**
 * The core as the package calls it: declared in `core-api.ts` (so no published declaration
 * imports the generated glue's), and checked against the glue where it is assigned below.
 */
export type WasmModule = CoreApi;
/** What `init()`/`initSync()` accept: a compiled module, or the `.wasm` file's bytes. */
export type WasmSource = WebAssembly.Module | BufferSource;

let current: WasmModule | undefined;
let loadDefault: (() => WasmSource) | undefined;

/** The default entries' source of the wasm bytes, used at the first call. */
export function setDefaultWasmSource(source: () => WasmSource): void {
  loadDefault = source;
}

/** Instantiates the core from `source` (once; later calls keep the first instance). */
export function initWasmSync(source: WasmSource): WasmModule {
  if (!current) {
    try {
      glue.initSync({ module: source });
    } catch (error) {
      throw codedError(
        "PIE_WASM_LOAD_FAILED",
        `the WebAssembly core could not be compiled here (${error instanceof Error ? error.message : String(error)}). ` +
          'Where compiling wasm from bytes is not allowed (Cloudflare Workers and other edge runtimes), import "@pie-lab/storage/slim" and call init() with the compiled module of "@pie-lab/storage/wasm"',
        { cause: error },
      );
    }
    // The glue module must fit `CoreApi`: a function it lost or whose parameters changed fails here.
    const api: CoreApi = glue;
    current = api;
  }
  return current;
}

export function wasm(): WasmModule {
  if (current) return current;
  if (!loadDefault) {
    throw codedError("PIE_NOT_INITIALIZED", 'the wasm core is not loaded: call init() of "@pie-lab/storage/slim" first');
  }
  return initWasmSync(loadDefault());
}

/** Decodes base64 without Node's `Buffer` (browsers, workers, edge runtimes). */
export function base64Bytes(text: string): Uint8Array {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function codedError(code: PieStorageErrorCode, message: string, extra: { cause?: unknown; path?: string } = {}): PieStorageError {
  return new PieStorageError(code, message, extra);
}

/** `JSON.stringify` for values crossing into the core: a cyclic or BigInt value is a typed error. */
export function toJsonText(value: unknown, what: string, replacer?: (key: string, v: unknown) => unknown): string {
  try {
    // `undefined` and functions have no JSON text: they cross as `null` (and fail validation).
    return JSON.stringify(value, replacer) ?? "null";
  } catch (error) {
    throw codedError("PIE_INVALID_INPUT", `${what} cannot be written as JSON (a cyclic or BigInt value)`, { cause: error });
  }
}

const UNDEFINED = { __pieUndefined: true };

/** An object whose only own key is one of the wire form's two marker keys. */
function looksLikeMarker(v: object): boolean {
  if (!Object.hasOwn(v, "__pieUndefined") && !Object.hasOwn(v, "__pieLiteral")) return false;
  return Object.keys(v).length === 1;
}

/**
 * Arguments as JSON in the core's wire form (`core/src/bindings/args.rs` reads it): a present
 * `undefined` becomes `{"__pieUndefined": true}` (JSON has none, and the reference tells
 * `{key: undefined}` from a missing key), and a real object shaped like a marker is wrapped in
 * `{"__pieLiteral": …}` so it crosses as itself. No decision is made here.
 */
export function toWireArgs(value: unknown, what: string): string {
  const wrapped = new WeakSet<object>();
  return toJsonText(value ?? null, what, (_key, v) => {
    if (v === undefined) return UNDEFINED;
    if (v !== null && typeof v === "object" && v !== UNDEFINED && !Array.isArray(v) && !wrapped.has(v) && looksLikeMarker(v)) {
      wrapped.add(v);
      return { __pieLiteral: v };
    }
    return v;
  });
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


/**
 * Drives a core operation to its end: the core says what to read, lock, append or replace and
 * decides from the replies; this only awaits each request (a reply given at once is not
 * awaited: a Promise hop per step would cost more than the step), and carries out the requests
 * the core asks side by side at once. A host failure is handed back to the core (which decides
 * what it means); the core's own errors become `PieStorageError`s.
 */
export async function drive<T>(operation: CoreOperation, host: CoreHost | undefined): Promise<T> {
  const session = host?.session?.() ?? host;
  try {
    for (;;) {
      const request = call(() => operation.next()) as CoreRequest;
      if (request.kind === "done") return request.value as T;
      if (request.kind === "all") {
        const parts = request.requests!.map((part, i) =>
          answer(
            session!,
            part,
            (v) => operation.replyPart(i, v),
            (e) => operation.failPart(i, e),
          ),
        );
        await Promise.all(parts);
        continue;
      }
      const pending = answer(
        session!,
        request,
        (v) => operation.reply(v),
        (e) => operation.fail(e),
      );
      if (pending !== undefined) await pending;
    }
  } finally {
    await session?.close?.();
  }
}

/** Carries out one request and hands its reply (or its failure) to the core. */
function answer(host: CoreHost, request: CoreRequest, reply: (value: unknown) => void, fail: (error: unknown) => void): Promise<void> | undefined {
  let value: unknown;
  try {
    value = host.perform(request);
  } catch (error) {
    fail(error);
    return undefined;
  }
  if (!(value instanceof Promise)) {
    settle(value, reply, fail);
    return undefined;
  }
  return value.then(
    (v) => settle(v, reply, fail),
    (error) => fail(error),
  );
}

/** A reply the core cannot read is a failure of that request. */
function settle(value: unknown, reply: (value: unknown) => void, fail: (error: unknown) => void): void {
  try {
    reply(value);
  } catch (error) {
    fail(error);
  }
}
