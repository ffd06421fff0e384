// The Node condition of "@pie-lab/storage" (this project resolves like Node: NodeNext) gives
// the Node entry's declarations, with the file stores; "@pie-lab/storage/browser" does not.
// (The slim entry, for runtimes with `WebAssembly`, is checked in the browser project: @types/node
// 20 declares no `WebAssembly`.)

import * as node from "@pie-lab/storage";
import * as browser from "@pie-lab/storage/browser";
import type { Equal, Expect } from "./helpers.js";

type NodeOnly =
  | "JsonlUsageStore"
  | "createJsonlUsageStore"
  | "JsonProviderConnectionStore"
  | "createJsonProviderConnectionStore"
  | "getDefaultUsageFilePath"
  | "getDefaultProviderConnectionFilePath"
  | "savedUsageIndexPath"
  | "FolderRequestDetailsStore"
  | "createRequestDetailsStore"
  | "getDefaultRequestDetailsFolder"
  | "JsonPriceOverrideStore"
  | "createJsonPriceOverrideStore"
  | "getDefaultPricingOverridesFilePath"
  | "JsonQuotaStore"
  | "createJsonQuotaStore"
  | "getDefaultProviderQuotaFilePath"
  | "testProxyPool"
  | "ChatStateStore"
  | "createChatStateStore";

// The Node entry is the browser entry plus exactly the Node-only exports.
type _NodeEntry = Expect<Equal<Exclude<keyof typeof node, keyof typeof browser>, NodeOnly>>;
type _BrowserInNode = Expect<Equal<Exclude<keyof typeof browser, keyof typeof node>, never>>;

const store = node.createJsonlUsageStore("/tmp/usage.jsonl", { saveIndex: false });
const path: string = node.getDefaultProviderConnectionFilePath({ PIE_CODING_AGENT_DIR: "/tmp/agent" }, "/home/me");
void store;
void path;

// Request details: typed records, pages in 9router's shape, the configuration in effect.
const details: node.RequestDetailsStore = node.createRequestDetailsStore(node.getDefaultRequestDetailsFolder(), { maxRecords: 10 });
const written: Promise<boolean> = details.recordRequestDetail({ id: "a", status: "pending", latency: { ttft: null }, extra9router: 1 });
const page: Promise<node.RequestDetailsPage> = details.getRequestDetails({ provider: "openai", startDate: new Date(), pageSize: 20 });
const enabled: boolean = details.getConfig().enabled;
// @ts-expect-error an id is required
void details.recordRequestDetail({ status: "x" });
void written;
void page;
void enabled;

// @ts-expect-error the browser entry has no file stores
import { JsonlUsageStore } from "@pie-lab/storage/browser";
void JsonlUsageStore;

// Pricing: the cost names its source and version; amounts are null when unknown; overrides are
// partial rates; the override store is Node-only, the function portable.
const priced: node.PricedUsageCost = browser.computeUsageCost({ input: 10, output: 5 }, "anthropic", "claude-sonnet-4-5", {
  overrides: { overrides: { anthropic: { "claude-*": { input: 2 } } } },
  inputIncludesCache: false,
});
const total: number | null = priced.total;
const source: "override" | "provider" | "unknown" = priced.pricingSource;
const version: string = priced.pricingVersion;
const prices = node.createJsonPriceOverrideStore(node.getDefaultPricingOverridesFilePath({}, "/home/me"));
const listed: Promise<node.PriceOverrides> = prices.listPriceOverrides();
const deleted: Promise<boolean> = prices.deletePriceOverride("anthropic");
const info: string = node.getPriceTableInfo().version;
// @ts-expect-error prices are numbers
void prices.setPriceOverride("anthropic", "claude-*", { input: "2" });
// @ts-expect-error unknown price fields are refused
void prices.setPriceOverride("anthropic", "claude-*", { cached: 1 });
void total;
void source;
void version;
void listed;
void deleted;
void info;

// Quota: typed snapshots, routes and store results; the preparer's fetcher gets the route and a signal.
const snapshot: node.QuotaSelection = browser.deriveQuotaSelection({ quotas: { s: { remaining: 1, total: 2 } } }, "2026-01-01T00:00:00Z");
const snapshotStatus: "available" | "depleted" | "unknown" | "error" = snapshot.status;
const route: node.ProxyRoute = browser.resolveConnectionProxy({ id: "c", provider: "codex" }, [], { HTTPS_PROXY: "proxy:1" });
if (route.type === "http") {
  const proxyUrl: string = route.url;
  const shown: string = route.displayUrl;
  void proxyUrl;
  void shown;
}
// @ts-expect-error a direct route has no url
void (route.type === "direct" && route.url);
const bypass: boolean = browser.matchesNoProxy("api.example.com", ".example.com");
const quotaStore = node.createJsonQuotaStore(node.getDefaultProviderQuotaFilePath({}, "/home/me"), { maxHistory: 10 });
const latest: Promise<node.QuotaEntry | null> = quotaStore.getQuotaWindows("c");
const rule: Promise<node.QuotaDeactivationRule> = quotaStore.setQuotaDeactivationRule({ enabled: true, thresholdPercentage: 5 });
// @ts-expect-error the threshold is a number
void quotaStore.setQuotaDeactivationRule({ thresholdPercentage: "5" });
const memoryQuota: node.QuotaStoreBase = browser.createInMemoryQuotaStore();
const prepared: Promise<node.ProviderConnection[]> = node.prepareProviderConnections(node.createInMemoryProviderConnectionStore(), {
  provider: "codex",
  quotaStore: memoryQuota,
  fetchQuota: async (connection, { proxy, signal }) => {
    const why: "pool" | "legacy" | "env" | "none" = proxy.source;
    void why;
    void signal.aborted;
    void connection.id;
    return { quotas: { session: { remainingPercentage: 50 } } };
  },
});
const prepare: (provider: string) => Promise<node.ProviderConnection[]> = node.createQuotaAwareProviderConnectionPreparer({
  providerConnectionStore: node.createInMemoryProviderConnectionStore(),
  fetchQuota: () => ({ message: "none" }),
});
// @ts-expect-error fetchQuota is required
void node.prepareProviderConnections(node.createInMemoryProviderConnectionStore(), { provider: "codex" });
void snapshotStatus;
void bypass;
void latest;
void rule;
void prepared;
void prepare;
// Proxy pool test: Node-only (it makes requests), on any store with the two pool methods; the
// result has the route's shape; a custom transport gets the core's probes.
const pools = node.createInMemoryProviderConnectionStore();
const tested: Promise<node.ProxyPoolTestResult> = node.testProxyPool(pools, "pool-1", { timeoutMs: 5000, setActive: false });
const transport: node.ProxyProbeTransport = async (probe) => ({ status: probe.method === "HEAD" ? 204 : 200, elapsedMs: 1 });
void node.testProxyPool({ getProxyPoolById: pools.getProxyPoolById.bind(pools), updateProxyPool: pools.updateProxyPool.bind(pools) }, "p", { transport });
const masked: node.ProxyPool = browser.toProxyPoolSummary({} as node.ProxyPool);
// @ts-expect-error timeouts are numbers
void node.testProxyPool(pools, "p", { timeoutMs: true });
// @ts-expect-error a reply has a status or a failure
const badTransport: node.ProxyProbeTransport = async () => ({ elapsedMs: 1 });
void tested;
void masked;
void badTransport;
// Chat state: the store (Node only) with its Promise API; the pure functions in every entry.
const chat = node.createChatStateStore("/tmp/agent");
const chatRead: Promise<node.ChatConfigRead> = chat.readConfig();
void chat.setAccount("tg", { service: "telegram", botToken: "1:x", channels: { home: { id: -100, name: "Home" } } });
void chat.setAccount("dc", { service: "discord", serverId: "1", allowedChannelIds: ["2"], futureKey: { kept: true } });
// @ts-expect-error an account has a service
void chat.setAccount("x", { name: "no service" });
// @ts-expect-error a channel has an id
void chat.setChannel("tg", "home", { name: "Home" });
const removed: Promise<boolean> = chat.removeChannel("tg", "home");
const events: Promise<node.ChannelEvents> = chat.readChannelEvents("tg", "home", { tail: 10 });
const appended: Promise<void> = chat.appendChannelEvent("tg", "home", { type: "message" });
const cache: Promise<node.ChatCacheRead> = chat.readCache("tg");
void chatRead;
void removed;
void events;
void appended;
void cache;
const chatConfig: browser.ChatConfig = { botName: "pie", accounts: { tg: { service: "telegram", channels: {} } } };
const conversations: browser.ChatConversation[] = browser.listConfiguredConversations(chatConfig);
const resolved: string = browser.resolveConversation(chatConfig, "tg/home").conversationName;
const merged: browser.AccessPolicy = browser.mergeAccessPolicy({ trigger: "mention" }, undefined);
// @ts-expect-error a trigger is "mention" or "message"
void browser.mergeAccessPolicy({ trigger: "always" });
const hasToken: boolean = browser.toChatConfigSummary(chatConfig).accounts[0]!.hasBotToken;
const logPath: string = node.conversationPaths("/tmp/agent", "tg", "home").channelLog;
const problem: "missing" | "invalidJson" | "invalidShape" | undefined = node.parseChatConfig("{").diagnostic?.problem;
void conversations;
void resolved;
void merged;
void hasToken;
void logPath;
void problem;
