// @pie-lab/storage for Node.js: the wasm core loaded synchronously, plus the file stores.

import { createRequire } from "node:module";
import { homedir } from "node:os";

import { useCoreColumnLayout } from "./columns.js";
import { installWasm, wasm, type WasmModule } from "./wasm.js";

const require = createRequire(import.meta.url);
installWasm(require("../wasm/node/pie_storage_wasm.js") as WasmModule);
useCoreColumnLayout();

export * from "./portable.js";
export { JsonProviderConnectionStore, createJsonProviderConnectionStore } from "./json-connection-store.js";
export { JsonlUsageStore, createJsonlUsageStore, type JsonlUsageStoreOptions } from "./jsonl-store.js";

/**
 * The server's default usage file: `PIE_LAB_USAGE_PATH` (or the legacy ADK names), else
 * `<PIE_CODING_AGENT_DIR | PI_CODING_AGENT_DIR | ~/.pie/agent>/usage.jsonl`.
 */
export function getDefaultUsageFilePath(
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): string {
  return wasm().defaultUsageFilePath(env, home);
}

/**
 * The default `provider-connections.json`: `<agentDir>/provider-connections.json`, where agentDir
 * is `PIE_CODING_AGENT_DIR || PI_CODING_AGENT_DIR` (with `~` expanded), else `~/.pie/agent`.
 */
export function getDefaultProviderConnectionFilePath(
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): string {
  return wasm().defaultProviderConnectionFilePath(env, home);
}

/** Where a `JsonlUsageStore` saves the index of the usage file at `path` (`<path>.pie-index`). */
export function savedUsageIndexPath(path: string): string {
  return wasm().savedUsageIndexPath(path);
}
