#!/usr/bin/env node
// `pie-storage <group> <command> [flags]`: parses with `node:util` parseArgs (strict), runs one
// command against the agent directory's stores, prints a table or one JSON document, and exits
// with a code that means something (see EXIT).

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { AGENT_DIR_FLAG, CliError, EXIT, createContext, type Command, type Flag } from "./command.js";
import { connectionCommands } from "./connections.js";
import { cooldownCommands } from "./cooldowns.js";
import { doctorCommands } from "./doctor.js";
import { withProgress } from "./format.js";
import { pricingCommands } from "./pricing.js";
import { proxyPoolCommands } from "./proxy-pools.js";
import { requestCommands } from "./requests.js";
import { routingCommands } from "./routing.js";
import { serveCommands } from "./serve.js";
import { settingsCommands } from "./settings.js";
import { usageCommands } from "./usage.js";

export const COMMANDS: Command[] = [
  ...usageCommands,
  ...requestCommands,
  ...connectionCommands,
  ...proxyPoolCommands,
  ...settingsCommands,
  ...pricingCommands,
  ...routingCommands,
  ...cooldownCommands,
  ...doctorCommands,
  ...serveCommands,
];

const GROUP_SUMMARY: Record<string, string> = {
  usage: "usage history (usage.jsonl): summaries, records, one request, series",
  requests: "request details (request-details/)",
  connections: "provider connections (provider-connections.json), secrets never shown",
  "proxy-pools": "proxy pools, URLs masked",
  settings: "provider connection settings",
  pricing: "price overrides (pricing-overrides.json)",
  routing: "account selection explained, route previews",
  cooldowns: "model cooldowns (locks) on connections",
  doctor: "check every file of the agent directory",
  serve: "the local admin server and page",
};

const EXIT_TEXT = "Exit codes: 0 ok, 1 failure, 2 usage error, 3 not found, 4 corrupt file.";

function flagLines(flags: Record<string, Flag>): string {
  const entries = Object.entries(flags).map(([name, f]) => {
    const short = f.short ? `-${f.short}, ` : "    ";
    const value = f.type === "string" ? ` ${f.valueName ?? "VALUE"}` : "";
    return [`  ${short}--${name}${value}`, f.description] as const;
  });
  const width = Math.max(...entries.map(([l]) => l.length));
  return entries.map(([l, d]) => `${l.padEnd(width)}  ${d}`).join("\n");
}

function rootHelp(): string {
  const groups = [...new Set(COMMANDS.map((c) => c.path[0]))];
  const width = Math.max(...groups.map((g) => g.length));
  return [
    "Usage: pie-storage <command> [flags]",
    "",
    "Operator tools for a pie-lab agent directory.",
    "",
    "Commands:",
    ...groups.map((g) => {
      const subs = COMMANDS.filter((c) => c.path[0] === g && c.path.length > 1).map((c) => c.path[1]);
      return `  ${g.padEnd(width)}  ${GROUP_SUMMARY[g] ?? ""}${subs.length ? ` (${subs.join(", ")})` : ""}`;
    }),
    "",
    "Flags on every command:",
    flagLines(AGENT_DIR_FLAG),
    "",
    "Files: --agent-dir, else PIE_CODING_AGENT_DIR / PI_CODING_AGENT_DIR / ~/.pie/agent (usage.jsonl also PIE_LAB_USAGE_PATH).",
    EXIT_TEXT,
    "Run `pie-storage <command> --help` for a command's flags.",
  ].join("\n");
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.path[0] === group);
  const width = Math.max(...cmds.map((c) => synopsis(c).length));
  return [
    `Usage: pie-storage ${group} <command> [flags]`,
    "",
    GROUP_SUMMARY[group] ?? "",
    "",
    "Commands:",
    ...cmds.map((c) => `  ${synopsis(c).padEnd(width)}  ${c.summary}`),
    "",
    `Run \`pie-storage ${group} <command> --help\` for its flags.`,
  ].join("\n");
}

const synopsis = (c: Command) => [...c.path, c.args].filter(Boolean).join(" ");

function commandHelp(c: Command): string {
  return [
    `Usage: pie-storage ${synopsis(c)} [flags]`,
    "",
    c.summary,
    "",
    "Flags:",
    flagLines({ ...(c.flags ?? {}), ...AGENT_DIR_FLAG }),
    ...(c.details ? ["", c.details] : []),
    "",
    EXIT_TEXT,
  ].join("\n");
}

/**
 * The command named by the leading words of `argv` (boolean global flags may come first), and
 * the rest for parseArgs.
 */
function find(argv: string[]): { command?: Command; group?: string; words: string[]; rest: string[] } {
  const skipped = [...argv];
  const before: string[] = [];
  while (skipped.length > 0) {
    const flag = skipped[0];
    if (["--json", "--help", "-h"].includes(flag) || flag.startsWith("--agent-dir=")) before.push(skipped.shift() as string);
    else if (flag === "--agent-dir" && skipped.length > 1) before.push(...skipped.splice(0, 2));
    else break;
  }
  const [first, second] = skipped;
  const words = [first, second].filter((w) => w !== undefined && !w.startsWith("-"));
  const full = COMMANDS.find((c) => c.path.length === 2 && c.path[0] === first && c.path[1] === second);
  const single = COMMANDS.find((c) => c.path.length === 1 && c.path[0] === first);
  const command = full ?? single;
  const group = COMMANDS.some((c) => c.path[0] === first) ? first : undefined;
  if (!command) return { group, words, rest: argv };
  return { command, words, rest: [...before, ...skipped.slice(command.path.length)] };
}

/** parseArgs's error as one short line. */
function flagError(error: Error & { code?: string }): string {
  const flag = /'([^']+)'/.exec(error.message)?.[1];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${flag ?? ""}`.trim();
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return flag ? `${flag.split(" ")[0].replace(/^-\w, /, "")} needs a value` : error.message.split("\n")[0];
    default:
      return error.message.split("\n")[0].split(". ")[0];
  }
}

interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function fail(out: Output, json: boolean, error: CliError): number {
  out.stderr(`pie-storage: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ""}`);
  if (json) out.stdout(JSON.stringify({ error: { message: error.message, code: error.code ?? null, exitCode: error.exitCode } }));
  return error.exitCode;
}

/** A thrown error as a CliError: the stores' codes pick the exit code. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "PIE_CORRUPT_FILE":
    case "PIE_INVALID_JSON":
      return new CliError(EXIT.corrupt, message, code);
    case "PIE_NOT_FOUND":
    case "ENOENT":
      return new CliError(EXIT.notFound, message, String(code));
    case "PIE_INVALID_INPUT":
    case "PIE_INVALID_QUERY":
      return new CliError(EXIT.usage, message, code);
    default:
      return new CliError(EXIT.failure, message, typeof code === "string" ? code : undefined);
  }
}

/** Runs the CLI on `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: string[], env: Record<string, string | undefined> = process.env, out: Output = defaultOutput): Promise<number> {
  const wantsJson = argv.includes("--json");
  const { command, group, words, rest } = find(argv);
  const help = argv.includes("--help") || argv.includes("-h");
  if (!command) {
    if (words.length === 0) return out.stdout(rootHelp()), help ? EXIT.ok : EXIT.usage;
    if (group === undefined) return fail(out, wantsJson, new CliError(EXIT.usage, `unknown command: ${words[0]}`, "PIE_CLI_USAGE", "pie-storage --help"));
    if (words.length === 1) return out.stdout(groupHelp(group)), help ? EXIT.ok : EXIT.usage;
    return fail(out, wantsJson, new CliError(EXIT.usage, `unknown command: ${group} ${words[1]}`, "PIE_CLI_USAGE", `pie-storage ${group} --help`));
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options = Object.fromEntries(Object.entries({ ...(command.flags ?? {}), ...AGENT_DIR_FLAG }).map(([k, { description: _d, valueName: _v, ...o }]) => [k, o]));
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = flagError(error as Error & { code?: string });
    return fail(out, wantsJson, new CliError(EXIT.usage, message, "PIE_CLI_USAGE", `pie-storage ${command.path.join(" ")} --help`));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return out.stdout(commandHelp(command)), EXIT.ok;
  const json = values.json === true;
  const [min, max] = command.positionals ?? [0, 0];
  const positionals = parsed.positionals;
  if (positionals.length < min || positionals.length > max) {
    const expected = command.args ? `expects ${command.args}` : "takes no arguments";
    return fail(out, json, new CliError(EXIT.usage, `${command.path.join(" ")} ${expected} (got ${positionals.length})`, "PIE_CLI_USAGE", `pie-storage ${command.path.join(" ")} --help`));
  }
  const ctx = createContext({
    agentDir: typeof values["agent-dir"] === "string" ? values["agent-dir"] : undefined,
    json,
    writes: command.writes === true,
    env,
    progress: (label, task) => withProgress(!json, label, task),
  });
  try {
    const result = await command.run(ctx, positionals, values);
    out.stdout(json || !result.human ? JSON.stringify(result.json, null, json ? undefined : 2) : result.human());
    return result.exitCode ?? EXIT.ok;
  } catch (error) {
    return fail(out, json, toCliError(error));
  }
}

const defaultOutput: Output = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

/** Whether this module is the script node was started with (not imported by the alias or tests). */
function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`pie-storage: ${(error as Error).stack ?? error}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
