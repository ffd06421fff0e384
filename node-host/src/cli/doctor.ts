// `doctor`: checks every file of the agent directory and reports; it changes nothing. The
// judgements (a JSON error's position, a corrupt usage line, a stale lock, a bad mode, a saved
// index's health) are the core's; this only walks the folder and reads.

import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";

import { JsonlUsageStore } from "../jsonl-store.js";
import { fileModeProblem, jsonProblem, lockIsStale, savedIndexHealth } from "../operator.js";
import { savedUsageIndexPath } from "../index.js";
import { EXIT, exists, type Command } from "./command.js";
import { table } from "./format.js";

/** One finding: `error` is a corrupt file (exit 4), `warning` needs a look (exit 1), `ok`/`info` do not. */
interface Finding {
  path: string;
  check: string;
  severity: "ok" | "info" | "warning" | "error";
  message: string;
  [detail: string]: unknown;
}

interface Entry {
  path: string;
  kind: "file" | "folder" | "lock" | "link" | "other";
}

/** Every entry under `dir` (links are reported, not followed; `.lock` folders are not entered). */
async function walk(dir: string, out: Entry[] = []): Promise<Entry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw error;
  }
  for (const name of names) {
    const path = join(dir, name);
    const s = await lstat(path);
    if (s.isSymbolicLink()) out.push({ path, kind: "link" });
    else if (s.isDirectory() && name.endsWith(".lock")) out.push({ path, kind: "lock" });
    else if (s.isDirectory()) {
      out.push({ path, kind: "folder" });
      await walk(path, out);
    } else if (s.isFile()) out.push({ path, kind: "file" });
    else out.push({ path, kind: "other" });
  }
  return out;
}

async function modeFinding(path: string, kind: "file" | "folder"): Promise<Finding | null> {
  const problem = fileModeProblem((await stat(path)).mode, kind);
  return problem && { path, check: "mode", severity: "warning", message: problem.message, found: problem.found, expected: problem.expected };
}

async function jsonFinding(path: string): Promise<Finding> {
  const problem = jsonProblem(await readFile(path, "utf8"));
  return problem
    ? { path, check: "json", severity: "error", message: `not valid JSON at line ${problem.line}, column ${problem.column}: ${problem.message}`, line: problem.line, column: problem.column }
    : { path, check: "json", severity: "ok", message: "valid JSON" };
}

async function usageFindings(path: string): Promise<Finding[]> {
  const store = new JsonlUsageStore(path, { saveIndex: false });
  const summary = await store.summarizeUsage();
  const skipped = store.getLastReadDiagnostics();
  const findings: Finding[] = [];
  if (skipped.length === 0) {
    findings.push({ path, check: "usage-lines", severity: "ok", message: `${summary.records} record(s), no bad line`, records: summary.records });
  } else {
    // Positions and codes only: the lines themselves may hold anything.
    findings.push({
      path,
      check: "usage-lines",
      severity: "error",
      message: `${skipped.length} line(s) skipped of ${summary.records + skipped.length}`,
      records: summary.records,
      lines: skipped.map((d) => ({ line: d.line, byteOffset: d.byteOffset, code: d.code })),
    });
  }
  const indexPath = savedUsageIndexPath(path);
  if (await exists(indexPath)) {
    const s = await stat(path);
    const health = savedIndexHealth(await readFile(indexPath), { size: s.size, mtimeMs: s.mtimeMs, dev: s.dev, ino: s.ino });
    const severity = health.status === "current" ? "ok" : health.status === "stale" ? "info" : "warning";
    const message = health.status === "current" ? `describes the file (${health.rows} records)` : health.reason;
    findings.push({ path: indexPath, check: "saved-index", severity, message, status: health.status });
  }
  return findings;
}

async function detailFindings(folder: string, files: () => import("../admin/agent-files.js").AgentFiles): Promise<Finding[]> {
  if (!(await exists(folder))) return [];
  const store = files().requestDetails;
  await store.getRequestDetails({ pageSize: 1 });
  const skipped = store.getLastReadDiagnostics();
  if (skipped.length === 0) return [{ path: folder, check: "detail-lines", severity: "ok", message: "no bad line" }];
  return [
    {
      path: folder,
      check: "detail-lines",
      severity: "error",
      message: `${skipped.length} line(s) skipped`,
      lines: skipped.map((d) => ({ segment: d.segment, line: d.line, byteOffset: d.byteOffset, code: d.code })),
    },
  ];
}

export const doctorCommands: Command[] = [
  {
    path: ["doctor"],
    summary: "check every file: JSON errors, corrupt usage lines, stale locks, modes, the saved index",
    flags: { all: { type: "boolean", description: "list the checks that passed too" } },
    details: "Exit 0 when all is good, 1 when something needs a look (a mode, a stale lock), 4 when a file is corrupt.",
    async run(ctx, _p, values) {
      const paths = ctx.paths();
      const findings: Finding[] = [];
      if (!(await exists(paths.agentDir))) {
        findings.push({ path: paths.agentDir, check: "agent-dir", severity: "warning", message: "the agent directory does not exist" });
      } else {
        const folderMode = await modeFinding(paths.agentDir, "folder");
        if (folderMode) findings.push(folderMode);
      }
      const now = Date.now();
      const entries = await walk(paths.agentDir);
      const usageInside = entries.some((e) => e.path === paths.usage);
      if (!usageInside && (await exists(paths.usage))) entries.push({ path: paths.usage, kind: "file" });
      for (const entry of entries) {
        if (entry.kind === "lock") {
          const mtime = (await stat(entry.path)).mtimeMs;
          findings.push(
            lockIsStale(mtime, now)
              ? { path: entry.path, check: "lock", severity: "warning", message: `stale lock (last refreshed ${new Date(mtime).toISOString()}); the next writer takes it over`, mtime: new Date(mtime).toISOString() }
              : { path: entry.path, check: "lock", severity: "info", message: "held by a running writer" },
          );
          continue;
        }
        if (entry.kind === "folder" || entry.kind === "file") {
          const mode = await modeFinding(entry.path, entry.kind);
          if (mode) findings.push(mode);
        }
        if (entry.kind !== "file") continue;
        if (entry.path.endsWith(".json")) findings.push(await jsonFinding(entry.path));
        else if (entry.path === paths.usage) findings.push(...(await ctx.progress(`checking ${entry.path}`, () => usageFindings(entry.path))));
      }
      findings.push(...(await detailFindings(paths.requestDetails, ctx.files)));
      const worst = findings.some((f) => f.severity === "error") ? EXIT.corrupt : findings.some((f) => f.severity === "warning") ? EXIT.failure : EXIT.ok;
      const shown = values.all === true ? findings : findings.filter((f) => f.severity !== "ok");
      const counts = { error: 0, warning: 0, info: 0, ok: 0 };
      for (const f of findings) counts[f.severity]++;
      return {
        json: { agentDir: paths.agentDir, ok: worst === EXIT.ok, counts, findings },
        exitCode: worst,
        human: () => {
          const rows = shown.map((f) => [f.severity, f.check, relative(paths.agentDir, f.path) || ".", f.message]);
          const lines = shown.flatMap((f) => (Array.isArray(f.lines) ? (f.lines as any[]).slice(0, 20).map((l) => `  ${relative(paths.agentDir, f.path)}${l.segment ? `/${l.segment}` : ""}: line ${l.line} (byte ${l.byteOffset}): ${l.code}`) : []));
          return [
            `Agent directory ${paths.agentDir}: ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} note(s), ${counts.ok} check(s) passed`,
            shown.length ? table(["severity", "check", "path", "message"], rows) : "all good",
            ...lines,
          ].join("\n");
        },
      };
    },
  },
];
