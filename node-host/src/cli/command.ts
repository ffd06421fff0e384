// What every command module shares: the command shape, the context a command runs in, and the
// CLI's error with its exit code. Commands only map flags to store calls; rules stay in the core.

import { stat } from "node:fs/promises";
import type { ParseArgsConfig } from "node:util";

import { openAgentFiles, type AgentFiles, type AgentPaths, agentPaths } from "../admin/agent-files.js";

/** Exit codes: 0 ok, 1 other failure, 2 usage error, 3 not found, 4 corrupt file. */
export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3, corrupt: 4 } as const;

/** A failure the CLI reports as one line and an exit code (and `{error}` under `--json`). */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly code?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string, hint?: string) => new CliError(EXIT.usage, message, "PIE_CLI_USAGE", hint);
export const notFound = (message: string) => new CliError(EXIT.notFound, message, "PIE_NOT_FOUND");

type OptionConfig = NonNullable<ParseArgsConfig["options"]>[string];

/** One flag: `parseArgs`'s config plus what `--help` prints. */
export type Flag = OptionConfig & { description: string; valueName?: string };

export interface CommandResult {
  /** The one JSON document printed under `--json`. */
  json: unknown;
  /** The human output (tables); defaults to the JSON pretty-printed. */
  human?: () => string;
  exitCode?: number;
}

export interface Command {
  /** `["usage", "summary"]`: the words that name it. */
  path: string[];
  summary: string;
  /** The positional part of the synopsis, `<requestId>`. */
  args?: string;
  /** Lowest and highest positional count. */
  positionals?: [number, number];
  flags?: Record<string, Flag>;
  /** Changes files (opens the usage store with its saved index; everything else is the same). */
  writes?: boolean;
  /** Extra help text (examples). */
  details?: string;
  run(ctx: Context, positionals: string[], values: Record<string, string | boolean | string[] | undefined>): Promise<CommandResult>;
}

export interface Context {
  agentDir: string | undefined;
  json: boolean;
  env: Record<string, string | undefined>;
  paths(): AgentPaths;
  files(): AgentFiles;
  warn(message: string): void;
  /** A progress line on stderr while `task` runs, on a TTY only and never under `--json`. */
  progress<T>(label: string, task: () => Promise<T>): Promise<T>;
  readStdin(): Promise<string>;
}

/** Whether `path` exists (a missing file is exit 3 for commands that read it). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** The context of one run: stores opened once, lazily, with `saveIndex` only for writing commands. */
export function createContext(options: {
  agentDir: string | undefined;
  json: boolean;
  writes: boolean;
  env: Record<string, string | undefined>;
  progress: Context["progress"];
}): Context {
  let files: AgentFiles | undefined;
  const pick = { agentDir: options.agentDir, env: options.env };
  return {
    agentDir: options.agentDir,
    json: options.json,
    env: options.env,
    paths: () => agentPaths(pick),
    files: () => (files ??= openAgentFiles({ ...pick, saveIndex: options.writes })),
    warn: (message) => process.stderr.write(`pie-storage: warning: ${message}\n`),
    progress: options.progress,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}

/** A flag's string value, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** An integer flag (`--limit 10`), or a usage error naming the flag. */
export function int(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isInteger(n)) {
    throw usageError(`--${flag} takes an integer, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** A number flag (`--priority 2`, `--input 3.5`). */
export function num(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n)) {
    throw usageError(`--${flag} takes a number, not ${JSON.stringify(value)}`);
  }
  return n;
}

export const AGENT_DIR_FLAG: Record<string, Flag> = {
  "agent-dir": { type: "string", description: "the agent directory (default: PIE_CODING_AGENT_DIR, PI_CODING_AGENT_DIR, ~/.pie/agent)", valueName: "DIR" },
  json: { type: "boolean", description: "print one JSON document on stdout instead of tables" },
  help: { type: "boolean", short: "h", description: "show this help" },
};
