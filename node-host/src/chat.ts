// Chat channel state (README "Chat channel state"): the types and thin wrappers over the core's
// pure functions. Every rule (shapes, merging, sanitizing, ordering, naming) is in the core
// (`core/src/chat/`).

import { call, toWireArgs, wasm } from "./wasm.js";

/** Who may talk to the bot; an unset field is inherited from the account. */
export interface AccessPolicy {
  trigger?: "mention" | "message";
  ignoreBots?: boolean;
  allowedUserIds?: string[];
  allowedRoleIds?: string[];
}

/** A sandbox secret (`value` is a secret: never shown by summaries). */
export interface GondolinSecret {
  value: string;
  hosts: string[];
  [key: string]: unknown;
}

export interface GondolinSettings {
  secrets?: Record<string, GondolinSecret>;
  [key: string]: unknown;
}

/** One channel of an account (`channels[channelKey]`). */
export interface ChatChannel {
  id: string | number;
  name?: string;
  dm?: boolean;
  autoDiscovered?: boolean;
  access?: AccessPolicy;
  gondolin?: GondolinSettings;
  [key: string]: unknown;
}

/** One bot account; `service` is open (`"telegram"`, `"discord"`, ...). */
export interface ChatAccount {
  service: "telegram" | "discord" | (string & {});
  name?: string;
  access?: AccessPolicy;
  gondolin?: GondolinSettings;
  /** Missing channels are written as `{}`. */
  channels?: Record<string, ChatChannel>;
  /** A secret: never in messages or summaries. */
  botToken?: string;
  botUsername?: string;
  botUserId?: string | number;
  applicationId?: string;
  serverId?: string;
  serverName?: string;
  homeChannelId?: string;
  homeChannelName?: string;
  allowedChannelIds?: string[];
  ignoredChannelIds?: string[];
  freeResponseChannelIds?: string[];
  [key: string]: unknown;
}

/** `agentDir/chat/config.json`; unknown keys are kept. */
export interface ChatConfig {
  botName?: string;
  gondolin?: GondolinSettings;
  accounts: Record<string, ChatAccount>;
  [key: string]: unknown;
}

/** Why a read gave the default config. Never quotes the file. */
export interface ChatConfigDiagnostic {
  problem: "missing" | "invalidJson" | "invalidShape";
  message: string;
  /** The part that is wrong (`accounts.tg.channels.home`), when known. */
  path?: string;
}

export interface ChatConfigRead {
  /** The file's config (`botName` resolved), or `{botName: "pie", accounts: {}}`. */
  config: ChatConfig & { botName: string };
  /** Why the default was used; `null` when the file was. */
  diagnostic: ChatConfigDiagnostic | null;
}

/** One configured conversation; it holds no secret. */
export interface ChatConversation {
  conversationId: string;
  conversationName: string;
  accountId: string;
  channelKey: string;
  service: string;
  channelId: string | number;
  /** The account's policy merged with the channel's. */
  access: AccessPolicy;
}

/** Every path of one conversation. */
export interface ConversationPaths {
  accountDir: string;
  sharedMemory: string;
  channelDir: string;
  workspaceDir: string;
  workspaceMemory: string;
  incomingDir: string;
  gondolinDir: string;
  channelLog: string;
  lock: string;
}

export interface ChatSecretSummary {
  name: string;
  hosts: string[];
}

export interface ChatAccountSummary {
  accountId: string;
  service: string;
  name?: string;
  hasBotToken: boolean;
  botUsername?: string;
  botUserId?: string | number;
  serverName?: string;
  channelCount: number;
  gondolinSecrets: ChatSecretSummary[];
}

/** The config without any secret. */
export interface ChatConfigSummary {
  botName: string;
  gondolinSecrets: ChatSecretSummary[];
  accounts: ChatAccountSummary[];
  conversations: ChatConversation[];
}

/** A line of a channel log that was skipped (never quoting it). */
export interface ChannelLogDiagnostic {
  line: number;
  byteOffset: number;
  code: "INVALID_JSON" | "TRUNCATED_LINE" | "NOT_AN_OBJECT" | "NOT_A_RECORD";
  message: string;
}

export interface ChannelEvents {
  events: Record<string, unknown>[];
  diagnostics: ChannelLogDiagnostic[];
}

export interface ChatCacheRead {
  /** The cached object; `null` when there is no usable file. */
  value: Record<string, unknown> | null;
  /** Why a file that exists was not used. */
  diagnostic: string | null;
}

function run<T>(name: string, ...args: unknown[]): T {
  const json = toWireArgs(args, "the argument");
  return JSON.parse(call(() => wasm().chatCall(name, json))) as T;
}

/** Every channel of every account, sorted by `conversationId` (`localeCompare`). */
export function listConfiguredConversations(config: ChatConfig): ChatConversation[] {
  return run("listConfiguredConversations", config);
}

/** The conversation `"<accountId>/<channelKey>"` names (trimmed, outer slashes stripped);
 * `PIE_INVALID_INPUT` unless exactly 2 segments, `PIE_NOT_FOUND` when not configured. */
export function resolveConversation(config: ChatConfig, spec: string): ChatConversation {
  return run("resolveConversation", config, spec);
}

/** The channel's policy over the account's, field by field (arrays copied). */
export function mergeAccessPolicy(account?: AccessPolicy | null, channel?: AccessPolicy | null): AccessPolicy {
  return run("mergeAccessPolicy", account, channel);
}

/** The config with `hasBotToken` instead of tokens, secret names without values. */
export function toChatConfigSummary(config: ChatConfig): ChatConfigSummary {
  return run("toChatConfigSummary", config);
}

/** Every path of the conversation (segments sanitized). */
export function conversationPaths(agentDir: string, accountId: string, channelKey: string): ConversationPaths {
  return run("conversationPaths", agentDir, accountId, channelKey);
}

/** `agentDir/chat/config.json`. */
export function chatConfigPath(agentDir: string): string {
  return run("chatConfigPath", agentDir);
}

/** `agentDir/chat/cache/<accountId>.json`, the id sanitized. */
export function chatCachePath(agentDir: string, accountId: string): string {
  return run("chatCachePath", agentDir, accountId);
}

/** `id` as one path segment: `[^a-zA-Z0-9._-]+` → `_`; `""`/`.` → `_`, `..` → `__`. */
export function sanitizeChatPathSegment(id: string): string {
  return run("sanitizeChatPathSegment", id);
}

/** Reads config text as the store does: the default plus a diagnostic when unusable. */
export function parseChatConfig(text: string): ChatConfigRead {
  return run("parseChatConfig", text);
}

/** The file text of `config`: `JSON.stringify(config, null, "\t") + "\n"`, shape checked. */
export function chatConfigText(config: ChatConfig): string {
  return run("chatConfigText", config);
}
