// A demo agent directory for `npm start` and the page's tests: generated usage, request
// details, connections, proxy pools and routing settings, written through the package's own
// stores (so the files are exactly what the package writes). Demo secrets are obviously fake.

import { generateUsageRecords } from "../demo.js";
import type { UsageRecord } from "../types.js";
import { openAgentFiles, type AgentFiles } from "./agent-files.js";

export interface DemoOptions {
  /** Epoch ms the history ends at (default: now). */
  now?: number;
  seed?: number;
  /** Usage records (default 3000), spread over the 30 days before `now`. */
  records?: number;
}

const DAY = 86_400_000;

/** Writes the demo into `dir` (created private); returns the opened stores. */
export async function seedDemoAgentDir(dir: string, options: DemoOptions = {}): Promise<AgentFiles> {
  const now = options.now ?? Date.now();
  const count = options.records ?? 3000;
  const files = openAgentFiles({ agentDir: dir });
  const { connections } = files;
  const ids: Record<string, string> = {};
  const demo: Array<[string, string, Record<string, unknown>]> = [
    ["openai", "OpenAI main", { priority: 1 }],
    ["openai", "OpenAI backup", { priority: 2 }],
    ["anthropic", "Anthropic team", { priority: 1 }],
    ["gemini-cli", "Gemini (paused)", { isActive: false }],
    ["openrouter", "OpenRouter", {}],
  ];
  for (const [provider, name, extra] of demo) {
    const c = await connections.createProviderConnection({
      provider,
      name,
      authType: "apikey",
      apiKey: `sk-demo-${provider}-not-a-real-key`,
      isActive: true,
      testStatus: "active",
      ...extra,
    } as never);
    ids[name] = c.id;
  }
  await connections.updateProviderConnection(ids["OpenAI backup"], {
    "modelLock_gpt-5.4": new Date(now + 25 * 60_000).toISOString(),
    testStatus: "unavailable",
    lastError: "[429]: rate limited (demo)",
  } as never);
  const eu = await connections.createProxyPool({ name: "EU egress", proxyUrl: "http://demo:demo-password@proxy.example:8080", isActive: true } as never);
  await connections.createProxyPool({ name: "Relay", proxyUrl: "https://relay.example.vercel.app", type: "vercel", isActive: true } as never);
  await connections.updateProviderConnection(ids["Anthropic team"], { providerSpecificData: { proxyPoolId: eu.id } } as never);
  await connections.updateSettings({
    fallbackStrategy: "round-robin",
    budgetLimits: { mode: "warn", dailyUsd: 25, monthlyUsd: 500, requestUsd: null, providerLimits: {} },
    routerPolicy: {
      aliases: { fast: "openai/gpt-5.4-mini" },
      intents: { code: ["anthropic/claude-sonnet-4.5", "openai/gpt-5.4"] },
      combos: [{ name: "coding", models: ["anthropic/claude-sonnet-4.5", "openai/gpt-5.4", "openrouter/deepseek/deepseek-v3.2"], strategy: "fallback" }],
    },
  } as never);
  const records = generateUsageRecords(count, options.seed ?? 7);
  const start = now - 30 * DAY;
  const step = (30 * DAY) / Math.max(1, count);
  const connectionOf: Record<string, string> = { openai: ids["OpenAI main"], anthropic: ids["Anthropic team"], openrouter: ids["OpenRouter"] };
  for (const [i, r] of records.entries()) {
    const timestamp = new Date(start + i * step).toISOString();
    const record: UsageRecord = { ...r, timestamp, trace: r.trace?.map((e) => ({ ...e, timestamp })) };
    const own = connectionOf[record.resolvedProvider];
    if (own) record.connectionId = own;
    await files.usage.recordUsage(record);
  }
  for (const r of records.slice(-50)) {
    await files.requestDetails.recordRequestDetail({
      id: r.id,
      requestId: r.requestId,
      provider: r.resolvedProvider,
      model: r.resolvedModel,
      connectionId: connectionOf[r.resolvedProvider],
      timestamp: new Date(now - 60_000).toISOString(),
      status: r.status === "success" ? "success" : "error",
      tokens: r.usage,
      request: { model: r.resolvedModel, messages: [{ role: "user", content: "Explain this stack trace (demo)" }] },
      response: { content: "Here is what happened… (demo)" },
    } as never);
  }
  return files;
}
