// The proxy pool test (README "Proxy pool test"): the core plans each request and decides from
// the reply (`core/src/proxy/test.rs`); this file only hands probes to a transport and stores
// the outcome through the store's own `updateProxyPool`.

import type { ProxyPool, ProxyPoolStore, UpdateProxyPoolInput } from "./types.js";
import { call, codedError, toWireArgs, wasm } from "./wasm.js";

/** One HTTP request the core asks for (an internal shape; a custom transport reads it). */
export interface ProxyProbe {
  method: "HEAD" | "GET";
  url: string;
  headers: [string, string][];
  /** The proxy to go through (`authorization` is its `Proxy-Authorization`); `null`: direct. */
  proxy: { secure: boolean; host: string; port: number; authorization: string | null } | null;
  /** Open a `CONNECT` tunnel to `url`'s host; otherwise send the absolute URL to the proxy. */
  tunnel: boolean;
  timeoutMs: number;
  [state: string]: unknown;
}

/** What a transport reports for a probe. */
export type ProxyProbeReply =
  | { status: number; statusText?: string; location?: string | null; elapsedMs: number }
  | { failure: "timeout" | "network"; message?: string; elapsedMs: number }
  | { failure: "refused"; status: number; elapsedMs: number };

/** Makes a probe's request. The Node entry's default uses `node:http`, `node:https` and `node:tls`. */
export type ProxyProbeTransport = (probe: ProxyProbe) => Promise<ProxyProbeReply>;

export interface TestProxyPoolOptions {
  /** Milliseconds for the whole test: default 8000 (HTTP proxy) or 10000 (relay), at most 30000. */
  timeoutMs?: number;
  /** The URL fetched through the pool: default `https://google.com/` or, for a relay, `https://httpbin.org/get`. */
  targetUrl?: string;
  /** Default `9Router` (the reference tester's). */
  userAgent?: string;
  /** Also store `isActive = ok`, as the reference does. Default `false`: a test only records its result. */
  setActive?: boolean;
  /** Extra CA certificates (PEM) trusted for an `https` target (Node transport). */
  ca?: string | string[];
  /** Your own transport (another HTTP stack, a SOCKS agent); the probes are the core's. */
  transport?: ProxyProbeTransport;
  /** The clock, epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

/** `POST /proxy-pools/:id/test`'s body: what the test found and the pool as stored after it (masked). */
export interface ProxyPoolTestResult {
  ok: boolean;
  status: number;
  statusText: string | null;
  error: string | null;
  elapsedMs: number;
  testedAt: string;
  /** The pool after the result was stored, `proxyUrl` masked; `null` if it was deleted meanwhile. */
  proxyPool: ProxyPool | null;
}

interface Step {
  probe?: ProxyProbe;
  outcome?: { result: Omit<ProxyPoolTestResult, "proxyPool">; update: UpdateProxyPoolInput };
}

function step(name: string, ...args: unknown[]): Step {
  const json = toWireArgs(args, "the argument");
  return JSON.parse(call(() => wasm().proxyTestCall(name, json))) as Step;
}

/** The pool as a test result or the server's pool routes show it: `proxyUrl` masked, credentials in `lastError` masked. */
export function toProxyPoolSummary(pool: ProxyPool): ProxyPool {
  const json = toWireArgs([pool], "the proxy pool");
  return JSON.parse(call(() => wasm().proxyTestCall("toProxyPoolSummary", json))) as ProxyPool;
}

/** Tests pool `id` of `store` through `transport` and stores the result on the pool. */
export async function testProxyPoolWith(
  store: Pick<ProxyPoolStore, "getProxyPoolById" | "updateProxyPool">,
  id: string,
  options: TestProxyPoolOptions,
  transport: ProxyProbeTransport,
): Promise<ProxyPoolTestResult> {
  const { timeoutMs, targetUrl, userAgent, setActive } = options;
  const now = options.now ?? Date.now;
  const pool = await store.getProxyPoolById(id);
  if (pool === null) throw codedError("PIE_NOT_FOUND", "Proxy pool not found");
  let next = step("planProxyTest", pool, { timeoutMs, targetUrl, userAgent, setActive }, now());
  while (next.probe) {
    const reply = await transport(next.probe);
    next = step("continueProxyTest", next.probe, reply, now());
  }
  const { result, update } = next.outcome!;
  const stored = await store.updateProxyPool(id, update);
  return { ...result, proxyPool: stored === null ? null : toProxyPoolSummary(stored) };
}
