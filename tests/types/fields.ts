// The drift check against the Rust core: each interface must declare exactly the fields that
// `fields.json` lists for it, and the usage types must require exactly its `required` ones.
// The file is written from the Rust types by core/tests/type_fields.rs, which fails when the
// file and the Rust side differ, so a field added, removed or renamed on either side fails a
// suite. A failure here reads like
//   Type '{ missingInTypeScript: "expiresAt"; notInRust: never }' does not satisfy the constraint 'true'.

import type * as pkg from "@pie-lab/storage";
import type { DeclaredKeys, Equal, Expect, RequiredKeys } from "./helpers.js";

import fields from "./fields.json" with { type: "json" };

type Lists = typeof fields;
type Rust<N extends keyof Lists> = Lists[N] extends { fields: infer F } ? keyof F : never;
type RustRequired<N extends keyof Lists> = Lists[N] extends { required: infer R } ? keyof R : never;

/** `true`, or what differs. */
type SameFields<TS, N extends keyof Lists> =
  Equal<DeclaredKeys<TS>, Rust<N>> extends true
    ? true
    : { missingInTypeScript: Exclude<Rust<N>, DeclaredKeys<TS>>; notInRust: Exclude<DeclaredKeys<TS>, Rust<N>> };
type SameRequired<TS, N extends keyof Lists> =
  Equal<RequiredKeys<TS>, RustRequired<N>> extends true
    ? true
    : { requiredInRustOnly: Exclude<RustRequired<N>, RequiredKeys<TS>>; requiredInTypeScriptOnly: Exclude<RequiredKeys<TS>, RustRequired<N>> };

/** The interface each entry of fields.json names. */
interface Checked {
  ProviderConnection: pkg.ProviderConnection;
  ProviderConnectionSummary: pkg.ProviderConnectionSummary;
  ProxyPool: pkg.ProxyPool;
  ProviderConnectionSettings: pkg.ProviderConnectionSettings;
  ProviderStrategyConfig: pkg.ProviderStrategyConfig;
  BudgetLimitSettings: pkg.BudgetLimitSettings;
  BudgetLimitRule: pkg.BudgetLimitRule;
  RouterPolicySettings: pkg.RouterPolicySettings;
  RouterPolicyCombo: pkg.RouterPolicyCombo;
  RouterPolicyComboStrategyConfig: pkg.RouterPolicyComboStrategyConfig;
  ProviderConnectionSelectionExplanation: pkg.ProviderConnectionSelectionExplanation;
  ProviderConnectionCandidate: pkg.ProviderConnectionCandidate;
  UsageRecord: pkg.UsageRecord;
  UsageTokens: pkg.UsageTokens;
  UsageCost: pkg.UsageCost;
  UsageMedia: pkg.UsageMedia;
  UsageTokenSaver: pkg.UsageTokenSaver;
  UsageTraceEvent: pkg.UsageTraceEvent;
  UsageLineDiagnostic: pkg.UsageLineDiagnostic;
  UsageSummary: pkg.UsageSummary;
  UsageSummaryGroup: pkg.UsageSummaryGroup;
  UsageSummaryWithGroups: pkg.UsageSummaryWithGroups;
  UsageSeries: pkg.UsageSeries;
  UsageSeriesBucket: pkg.UsageSeriesBucket;
  AccessPolicy: pkg.AccessPolicy;
  ChatConversation: pkg.ChatConversation;
  ConversationPaths: pkg.ConversationPaths;
  ChatConfigSummary: pkg.ChatConfigSummary;
  ChatAccountSummary: pkg.ChatAccountSummary;
  ChatSecretSummary: pkg.ChatSecretSummary;
}

// Every list of the file is checked, and nothing else is claimed to be.
type _EveryList = Expect<Equal<Exclude<keyof Lists, `$${string}`>, keyof Checked>>;

type _ProviderConnection = Expect<SameFields<pkg.ProviderConnection, "ProviderConnection">>;
type _ProviderConnectionSummary = Expect<SameFields<pkg.ProviderConnectionSummary, "ProviderConnectionSummary">>;
type _ProxyPool = Expect<SameFields<pkg.ProxyPool, "ProxyPool">>;
type _Settings = Expect<SameFields<pkg.ProviderConnectionSettings, "ProviderConnectionSettings">>;
type _ProviderStrategy = Expect<SameFields<pkg.ProviderStrategyConfig, "ProviderStrategyConfig">>;
type _BudgetLimitSettings = Expect<SameFields<pkg.BudgetLimitSettings, "BudgetLimitSettings">>;
type _BudgetLimitRule = Expect<SameFields<pkg.BudgetLimitRule, "BudgetLimitRule">>;
type _RouterPolicy = Expect<SameFields<pkg.RouterPolicySettings, "RouterPolicySettings">>;
type _RouterPolicyCombo = Expect<SameFields<pkg.RouterPolicyCombo, "RouterPolicyCombo">>;
type _ComboStrategyConfig = Expect<SameFields<pkg.RouterPolicyComboStrategyConfig, "RouterPolicyComboStrategyConfig">>;
type _Explanation = Expect<SameFields<pkg.ProviderConnectionSelectionExplanation, "ProviderConnectionSelectionExplanation">>;
type _Candidate = Expect<SameFields<pkg.ProviderConnectionCandidate, "ProviderConnectionCandidate">>;

type _UsageRecord = Expect<SameFields<pkg.UsageRecord, "UsageRecord">>;
type _UsageTokens = Expect<SameFields<pkg.UsageTokens, "UsageTokens">>;
type _UsageCost = Expect<SameFields<pkg.UsageCost, "UsageCost">>;
type _UsageMedia = Expect<SameFields<pkg.UsageMedia, "UsageMedia">>;
type _UsageTokenSaver = Expect<SameFields<pkg.UsageTokenSaver, "UsageTokenSaver">>;
type _UsageTraceEvent = Expect<SameFields<pkg.UsageTraceEvent, "UsageTraceEvent">>;
type _UsageLineDiagnostic = Expect<SameFields<pkg.UsageLineDiagnostic, "UsageLineDiagnostic">>;
type _UsageSummary = Expect<SameFields<pkg.UsageSummary, "UsageSummary">>;
type _UsageSummaryGroup = Expect<SameFields<pkg.UsageSummaryGroup, "UsageSummaryGroup">>;
type _UsageSummaryWithGroups = Expect<SameFields<pkg.UsageSummaryWithGroups, "UsageSummaryWithGroups">>;
type _UsageSeries = Expect<SameFields<pkg.UsageSeries, "UsageSeries">>;
type _UsageSeriesBucket = Expect<SameFields<pkg.UsageSeriesBucket, "UsageSeriesBucket">>;

// The serde types also say which fields are always there.
type _UsageRecordRequired = Expect<SameRequired<pkg.UsageRecord, "UsageRecord">>;
type _UsageTokensRequired = Expect<SameRequired<pkg.UsageTokens, "UsageTokens">>;
type _UsageCostRequired = Expect<SameRequired<pkg.UsageCost, "UsageCost">>;
type _UsageMediaRequired = Expect<SameRequired<pkg.UsageMedia, "UsageMedia">>;
type _UsageTokenSaverRequired = Expect<SameRequired<pkg.UsageTokenSaver, "UsageTokenSaver">>;
type _UsageTraceEventRequired = Expect<SameRequired<pkg.UsageTraceEvent, "UsageTraceEvent">>;
type _UsageLineDiagnosticRequired = Expect<SameRequired<pkg.UsageLineDiagnostic, "UsageLineDiagnostic">>;
type _UsageSummaryRequired = Expect<SameRequired<pkg.UsageSummary, "UsageSummary">>;
type _UsageSummaryGroupRequired = Expect<SameRequired<pkg.UsageSummaryGroup, "UsageSummaryGroup">>;
type _UsageSummaryWithGroupsRequired = Expect<SameRequired<pkg.UsageSummaryWithGroups, "UsageSummaryWithGroups">>;
type _UsageSeriesRequired = Expect<SameRequired<pkg.UsageSeries, "UsageSeries">>;
type _UsageSeriesBucketRequired = Expect<SameRequired<pkg.UsageSeriesBucket, "UsageSeriesBucket">>;

// The chat results (serde types of core/src/chat/), keys and required keys.
type _AccessPolicy = Expect<SameFields<pkg.AccessPolicy, "AccessPolicy">>;
type _ChatConversation = Expect<SameFields<pkg.ChatConversation, "ChatConversation">>;
type _ConversationPaths = Expect<SameFields<pkg.ConversationPaths, "ConversationPaths">>;
type _ChatConfigSummary = Expect<SameFields<pkg.ChatConfigSummary, "ChatConfigSummary">>;
type _ChatAccountSummary = Expect<SameFields<pkg.ChatAccountSummary, "ChatAccountSummary">>;
type _ChatSecretSummary = Expect<SameFields<pkg.ChatSecretSummary, "ChatSecretSummary">>;
type _AccessPolicyRequired = Expect<SameRequired<pkg.AccessPolicy, "AccessPolicy">>;
type _ChatConversationRequired = Expect<SameRequired<pkg.ChatConversation, "ChatConversation">>;
type _ConversationPathsRequired = Expect<SameRequired<pkg.ConversationPaths, "ConversationPaths">>;
type _ChatConfigSummaryRequired = Expect<SameRequired<pkg.ChatConfigSummary, "ChatConfigSummary">>;
type _ChatAccountSummaryRequired = Expect<SameRequired<pkg.ChatAccountSummary, "ChatAccountSummary">>;
type _ChatSecretSummaryRequired = Expect<SameRequired<pkg.ChatSecretSummary, "ChatSecretSummary">>;
