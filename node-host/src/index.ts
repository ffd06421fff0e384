// @pie-lab/storage for Node.js: the portable API plus the file stores. The wasm core is
// compiled from the bundled bytes at the first call (synchronously; nothing at import), so the
// module has no top-level await and loads with `require()` too, bundled or not.

import { homedir } from "node:os";

import bytes from "../wasm/pie_storage_wasm_bytes.js";
import { nodeProbe } from "./proxy-transport.js";
import { testProxyPoolWith, type ProxyPoolTestResult, type TestProxyPoolOptions } from "./proxy-test.js";
import type { ProxyPoolStore } from "./types.js";
import { setDefaultWasmSource, wasm } from "./wasm.js";

setDefaultWasmSource(() => Buffer.from(bytes, "base64"));

export * from "./portable.js";
export { JsonProviderConnectionStore, createJsonProviderConnectionStore } from "./json-connection-store.js";
export { JsonlUsageStore, createJsonlUsageStore, type JsonlUsageStoreOptions } from "./jsonl-store.js";
export { FolderRequestDetailsStore, createRequestDetailsStore } from "./request-details.js";
export { JsonPriceOverrideStore, createJsonPriceOverrideStore } from "./price-override-store.js";
export { JsonQuotaStore, createJsonQuotaStore } from "./quota-store.js";

/** The default quota file: `<agentDir>/provider-quota.json`, beside `provider-connections.json`. */
export function getDefaultProviderQuotaFilePath(
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): string {
  return wasm().defaultProviderQuotaFilePath(env, home);
}

/**
 * `POST /proxy-pools/:id/test` (README "Proxy pool test"): one request through pool `id` (an
 * HTTP(S) proxy, or a Vercel-style relay), then `testStatus`, `lastTestedAt` and `lastError`
 * stored on it (and `isActive = ok` with `setActive`). An unknown id is `PIE_NOT_FOUND`.
 */
export function testProxyPool(
  store: Pick<ProxyPoolStore, "getProxyPoolById" | "updateProxyPool">,
  id: string,
  options: TestProxyPoolOptions = {},
): Promise<ProxyPoolTestResult> {
  const transport = options.transport ?? ((probe) => nodeProbe(probe, options.ca));
  return testProxyPoolWith(store, id, options, transport);
}
export { ChatStateStore, createChatStateStore } from "./chat-state-store.js";

/** The default price override file: `<agentDir>/pricing-overrides.json`, beside `provider-connections.json`. */
export function getDefaultPricingOverridesFilePath(
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): string {
  return wasm().defaultPricingOverridesFilePath(env, home);
}

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

/** The default request-details folder: `<PIE_CODING_AGENT_DIR | PI_CODING_AGENT_DIR | ~/.pie/agent>/request-details`. */
export function getDefaultRequestDetailsFolder(
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): string {
  return wasm().defaultRequestDetailsFolder(env, home);
}
