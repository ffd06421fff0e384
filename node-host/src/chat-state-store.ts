// The chat state of an agent folder for Node: the core's steps (locked read-modify-write of the
// config and caches, appends to channel logs), each carried out asynchronously by a Node file
// host on the one file the core names for the operation.

import type {
  ChannelEvents,
  ChatAccount,
  ChatCacheRead,
  ChatChannel,
  ChatConfigRead,
} from "./chat.js";
import type { ChatStateCore } from "./core-api.js";
import { NodeFileHost } from "./node-storage.js";
import { call, drive, toWireArgs, wasm } from "./wasm.js";

export class ChatStateStore {
  private readonly core: ChatStateCore;
  /** One host per file, so kept handles are reused between operations on it. */
  private readonly hosts = new Map<string, NodeFileHost>();

  constructor(readonly agentDir: string) {
    this.core = wasm().ChatStateCore.open(agentDir);
  }

  private host(path: string): NodeFileHost {
    let host = this.hosts.get(path);
    if (host === undefined) {
      host = new NodeFileHost(path);
      this.hosts.set(path, host);
    }
    return host;
  }

  private async run<T>(op: string, ...args: unknown[]): Promise<T> {
    const json = toWireArgs(args, "the argument");
    const path = call(() => this.core.file(op, json));
    return JSON.parse(await drive<string>(call(() => this.core.operation(op, json)), this.host(path))) as T;
  }

  /** The config; a missing or unusable file reads as `{botName: "pie", accounts: {}}` with a diagnostic. */
  async readConfig(): Promise<ChatConfigRead> {
    return this.run("readConfig");
  }
  /** Sets (replaces) an account. Refused with `PIE_CORRUPT_FILE` when the file cannot be parsed. */
  async setAccount(accountId: string, account: ChatAccount): Promise<true> {
    return this.run("setAccount", accountId, account);
  }
  /** Removes an account; whether it existed. */
  async removeAccount(accountId: string): Promise<boolean> {
    return this.run("removeAccount", accountId);
  }
  /** Sets (replaces) a channel of an existing account (`PIE_NOT_FOUND` otherwise). */
  async setChannel(accountId: string, channelKey: string, channel: ChatChannel): Promise<true> {
    return this.run("setChannel", accountId, channelKey, channel);
  }
  /** Removes a channel; whether it existed. */
  async removeChannel(accountId: string, channelKey: string): Promise<boolean> {
    return this.run("removeChannel", accountId, channelKey);
  }
  /** Sets the bot name. */
  async setBotName(botName: string): Promise<true> {
    return this.run("setBotName", botName);
  }
  /** An account's cache (`chat/cache/<accountId>.json`). */
  async readCache(accountId: string): Promise<ChatCacheRead> {
    return this.run("readCache", accountId);
  }
  /** Writes (replaces) an account's cache; whether the file changed. */
  async writeCache(accountId: string, value: Record<string, unknown>): Promise<boolean> {
    return this.run("writeCache", accountId, value);
  }
  /** Appends one event (an object, one line) to the channel's `channel.jsonl`. */
  async appendChannelEvent(accountId: string, channelKey: string, event: Record<string, unknown>): Promise<void> {
    await this.run("appendChannelEvent", accountId, channelKey, event);
  }
  /** The channel's events (the last `tail` when given) and the lines skipped. */
  async readChannelEvents(accountId: string, channelKey: string, options?: { tail?: number }): Promise<ChannelEvents> {
    return this.run("readChannelEvents", accountId, channelKey, options ?? null);
  }
}

export function createChatStateStore(agentDir: string): ChatStateStore {
  return new ChatStateStore(agentDir);
}
