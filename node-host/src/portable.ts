// The exports every entry shares: types, pure functions and in-memory stores. The Node entry
// adds the file stores and default paths on top.

export * from "./types.js";
export type * from "./details-types.js";
export { InMemoryRequestDetailsStore, createInMemoryRequestDetailsStore } from "./details-store.js";
export {
  createUsageRecordId,
  queryUsageRecords,
  summarizeUsageRecords,
  summarizeUsageRecordsByTime,
  summarizeUsageJsonl,
  summarizeUsageJsonlByTime,
  summarizeUsageJsonlDetailed,
  UsageJsonlSummarizer,
  type UsageJsonlBytes,
  type UsageJsonlStream,
  parseUsageJsonl,
  usageRecordLine,
  InMemoryUsageStore,
  createInMemoryUsageStore,
} from "./usage.js";
export {
  toProxyPoolSummary,
  type ProxyProbe,
  type ProxyProbeReply,
  type ProxyProbeTransport,
  type TestProxyPoolOptions,
  type ProxyPoolTestResult,
} from "./proxy-test.js";
export {
  InMemoryProviderConnectionStore,
  createInMemoryProviderConnectionStore,
  createProxyPoolId,
  toProviderConnectionSummary,
  maskProxyUrl,
  type ProviderConnectionStoreOptions,
  type AcquireProviderConnectionOptions,
} from "./connections.js";
export {
  checkFallbackError,
  getQuotaCooldown,
  extractProviderResetCooldownMs,
  formatRetryAfter,
  selectProviderConnection,
  explainProviderConnectionSelection,
  isModelLockActive,
  resolveRoutePlan,
  getRotatedModels,
  evaluateBudget,
  type ComboRotationState,
  type RoutePlan,
  type EvaluateBudgetOptions,
  type BudgetEvaluation,
  type BudgetMode,
  type BudgetViolation,
  type BudgetWindow,
  type FallbackDecision,
  type SelectProviderConnectionOptions,
  type ProviderConnectionSelection,
} from "./routing.js";
export {
  computeUsageCost,
  getPriceTableInfo,
  type ComputeUsageCostOptions,
  type PricedUsageCost,
  type PriceOverrides,
  type PriceRates,
  type PriceTableInfo,
} from "./pricing.js";
