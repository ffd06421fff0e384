// The loaded wasm module. Each entry point (Node, browser) loads its own wasm-bindgen build and
// installs it here before anything else runs; the rest of the package only calls through it.

import type * as Wasm from "../wasm/node/pie_storage_wasm.js";

export type WasmModule = typeof Wasm;

let current: WasmModule | undefined;

export function installWasm(module: WasmModule): void {
  current = module;
}

export function wasm(): WasmModule {
  if (!current) throw codedError("PIE_NOT_INITIALIZED", "the wasm core is not loaded");
  return current;
}

export function codedError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code }, extra);
}

/**
 * Runs a wasm call and turns a Rust panic (a WebAssembly.RuntimeError) into an Error with code
 * PIE_PANIC and the panic's message. Coded errors thrown by the core pass through unchanged.
 */
export function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) {
      const message = current?.takePanicMessage() ?? error.message;
      throw codedError("PIE_PANIC", message, { cause: error });
    }
    throw error;
  }
}
