// Realistic generated usage history, for the demo of `npm start` and for benchmarks.
// Deterministic for a given seed so runs are comparable.

import type { UsageRecord } from "./types.js";

const ROUTES: Array<[string, string, number, number]> = [
  // provider, model, $ per 1M input, $ per 1M output
  ["openai", "gpt-5.4", 1.25, 10],
  ["openai", "gpt-5.4-mini", 0.25, 2],
  ["anthropic", "claude-sonnet-4.5", 3, 15],
  ["anthropic", "claude-haiku-4.5", 1, 5],
  ["gemini-cli", "gemini-2.5-pro", 1.25, 10],
  ["codex", "gpt-5.3-codex", 1.25, 10],
  ["openrouter", "deepseek/deepseek-v3.2", 0.28, 0.42],
];
const ENDPOINTS = ["/v1/chat/completions", "/v1/responses", "/v1/messages", "/v1/pie/chat/completions"];
const ORIGINS = ["pie-chat:web", "pie-chat:telegram", "pie-chat:discord", "dashboard:media-test", "coding-agent"];

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

function uuid(random: () => number): string {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

/** Provider accounts per provider, and client API keys: ids repeat as a router's do. */
const ACCOUNTS_PER_PROVIDER = 3;
const API_KEYS = 6;

/**
 * `count` records, one attempt each (some requests fall back), in time order from `start`.
 * `connectionId` is one of a few accounts of the record's provider and `apiKeyId` one of a few
 * client keys, as in a router's log (ids drawn from their own seed).
 */
export function generateUsageRecords(count: number, seed = 42, start = Date.parse("2026-01-01T00:00:00.000Z")): UsageRecord[] {
  const ids = rng(seed ^ 0x5eed);
  const accounts = new Map(
    ROUTES.map(([provider]) => [provider, Array.from({ length: ACCOUNTS_PER_PROVIDER }, () => `conn_${uuid(ids)}`)]),
  );
  const apiKeys = Array.from({ length: API_KEYS }, () => `key_${hex(ids, 12)}`);
  const random = rng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const records: UsageRecord[] = [];
  let t = start;
  while (records.length < count) {
    const requestId = `chatcmpl_${uuid(random)}`;
    const attempts = random() < 0.08 ? 2 : 1;
    const endpoint = pick(ENDPOINTS);
    const clientOrigin = pick(ORIGINS);
    const requestedModel = random() < 0.3 ? "combo:coding" : `${pick(ROUTES)[0]}/${pick(ROUTES)[1]}`;
    for (let attemptIndex = 0; attemptIndex < attempts && records.length < count; attemptIndex++) {
      t += Math.floor(random() * 20_000);
      const [provider, model, inPrice, outPrice] = pick(ROUTES);
      const failed = attemptIndex + 1 < attempts || random() < 0.03;
      const status = failed ? (random() < 0.9 ? "error" : "aborted") : "success";
      const input = failed ? 0 : Math.floor(random() * 40_000) + 50;
      const output = failed ? 0 : Math.floor(random() * 4_000) + 1;
      const cacheRead = failed ? 0 : Math.floor(random() * input * 0.5);
      const timestamp = new Date(t).toISOString();
      const costIn = (input * inPrice) / 1e6;
      const costOut = (output * outPrice) / 1e6;
      const costCache = (cacheRead * inPrice * 0.1) / 1e6;
      const record: UsageRecord = {
        id: `usage_${uuid(random)}`,
        requestId,
        timestamp,
        requestedModel,
        routingMode: requestedModel.startsWith("combo:") ? "router" : "fixed",
        routeSource: attemptIndex > 0 ? "fallback" : requestedModel.startsWith("combo:") ? "router" : "fixed",
        resolvedProvider: provider,
        resolvedModel: model,
        connectionId: pick(accounts.get(provider)!),
        apiKeyId: pick(apiKeys),
        attemptIndex,
        attemptCount: attempts,
        endpoint,
        clientOrigin,
        usage: { input, output, cacheRead, cacheWrite: 0, totalTokens: input + output + cacheRead },
        cost: {
          input: costIn,
          output: costOut,
          cacheRead: costCache,
          cacheWrite: 0,
          total: costIn + costOut + costCache,
          currency: "USD",
          pricingSource: "pie-metadata",
        },
        inputTokens: input,
        outputTokens: output,
        costUsd: costIn + costOut + costCache,
        status,
        ...(failed ? { errorCode: 429, errorMessage: "rate limit exceeded" } : {}),
        trace: [
          { timestamp, phase: "attempt.start", provider, model, attemptIndex },
          { timestamp, phase: "budget.check", metadata: { mode: "off" } },
          { timestamp, phase: failed ? "upstream.error" : "upstream.complete", status },
        ],
      };
      records.push(record);
    }
  }
  return records;
}

/** The records as JSONL text, one `JSON.stringify` line each. */
export function toJsonl(records: readonly UsageRecord[]): string {
  let out = "";
  for (const record of records) out += JSON.stringify(record) + "\n";
  return out;
}
