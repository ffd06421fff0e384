// The files of one agent directory and the stores over them, opened the same way by the CLI and
// the admin server. Paths come from the package's default-path functions (the core's rules), with
// `--agent-dir` standing in for `PIE_CODING_AGENT_DIR`.

import { homedir } from "node:os";
import { dirname, join } from "node:path";

import { ChatStateStore } from "../chat-state-store.js";
import { JsonProviderConnectionStore } from "../json-connection-store.js";
import { JsonlUsageStore } from "../jsonl-store.js";
import { JsonPriceOverrideStore } from "../price-override-store.js";
import { JsonQuotaStore } from "../quota-store.js";
import { FolderRequestDetailsStore } from "../request-details.js";
import { wasm } from "../wasm.js";

export interface AgentFilesOptions {
  /** The agent directory; without it the environment decides (`PIE_CODING_AGENT_DIR`, …, `~/.pie/agent`). */
  agentDir?: string;
  env?: Record<string, string | undefined>;
  home?: string;
  /** Save the usage index beside `usage.jsonl` (`<file>.pie-index`). Read-only tools pass `false`. */
  saveIndex?: boolean;
}

export interface AgentPaths {
  agentDir: string;
  usage: string;
  connections: string;
  requestDetails: string;
  pricingOverrides: string;
  quota: string;
  chat: string;
}

export interface AgentFiles {
  paths: AgentPaths;
  usage: JsonlUsageStore;
  connections: JsonProviderConnectionStore;
  requestDetails: FolderRequestDetailsStore;
  pricing: JsonPriceOverrideStore;
  quota: JsonQuotaStore;
  chat: ChatStateStore;
}

/** Where each file of the agent directory lives. An explicit `agentDir` wins over every variable. */
export function agentPaths(options: AgentFilesOptions = {}): AgentPaths {
  const home = options.home ?? homedir();
  const base = options.env ?? process.env;
  const env: Record<string, string | undefined> =
    options.agentDir === undefined
      ? base
      : { PIE_CODING_AGENT_DIR: options.agentDir };
  const core = wasm();
  const connections = core.defaultProviderConnectionFilePath(env, home);
  const agentDir = dirname(connections);
  return {
    agentDir,
    usage: core.defaultUsageFilePath(env, home),
    connections,
    requestDetails: core.defaultRequestDetailsFolder(env, home),
    pricingOverrides: core.defaultPricingOverridesFilePath(env, home),
    quota: core.defaultProviderQuotaFilePath(env, home),
    chat: join(agentDir, "chat"),
  };
}

/** Opens every store of the agent directory. Nothing is read or created until a store is used. */
export function openAgentFiles(options: AgentFilesOptions = {}): AgentFiles {
  const paths = agentPaths(options);
  return {
    paths,
    usage: new JsonlUsageStore(paths.usage, { saveIndex: options.saveIndex }),
    connections: new JsonProviderConnectionStore(paths.connections),
    requestDetails: new FolderRequestDetailsStore(paths.requestDetails),
    pricing: new JsonPriceOverrideStore(paths.pricingOverrides),
    quota: new JsonQuotaStore(paths.quota),
    chat: new ChatStateStore(paths.agentDir),
  };
}
