// @pie-lab/storage without bundled bytes: the browser entry's API, plus `init()`/`initSync()` to
// load the core from what the caller provides (workers, edge runtimes such as Cloudflare
// Workers, a CDN copy of the .wasm file). Every other export throws PIE_NOT_INITIALIZED until
// then. The .wasm file is the package export "@pie-lab/storage/wasm".

import { codedError, initWasmSync, type WasmSource } from "./wasm.js";

export * from "./portable.js";
export type { WasmSource } from "./wasm.js";

/** What `init()` accepts: a compiled module, bytes, or where to fetch the `.wasm` file. */
export type WasmInput = WasmSource | Response | PromiseLike<Response> | URL | string;

/**
 * Loads the core from `input`, compiling off the main thread where the runtime can (streaming
 * compilation of a fetched response). Call once before anything else; later calls do nothing.
 */
export async function init(input: WasmInput): Promise<void> {
  let module: WebAssembly.Module;
  try {
    module = await compile(input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw codedError("PIE_WASM_LOAD_FAILED", `the WebAssembly core could not be loaded (${reason})`, { cause: error });
  }
  initWasmSync(module);
}

/** Loads the core synchronously from a compiled module or the `.wasm` file's bytes. */
export function initSync(input: WasmSource): void {
  initWasmSync(input);
}

async function compile(input: WasmInput): Promise<WebAssembly.Module> {
  if (input instanceof WebAssembly.Module) return input;
  if (typeof input === "string" || input instanceof URL) return compile(fetch(input));
  if (ArrayBuffer.isView(input) || input instanceof ArrayBuffer) return WebAssembly.compile(input);
  const response = await input;
  if (!response.ok) throw new Error(`fetching the wasm core failed: HTTP ${response.status}`);
  const streaming = response.headers.get("content-type") === "application/wasm" && WebAssembly.compileStreaming;
  return streaming ? WebAssembly.compileStreaming(response) : WebAssembly.compile(await response.arrayBuffer());
}
