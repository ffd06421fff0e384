// Human output: tables, numbers, money, and the TTY-only progress line.

import type { UsageSummaryGroup } from "../types.js";

export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return "-";
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : String(n);
}

export function formatUsd(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-";
  return `$${n.toFixed(Math.abs(n) >= 100 ? 2 : 4)}`;
}

/** A cell as text: `-` for null/undefined, JSON for objects. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isInteger(value) ? formatNumber(value) : String(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  return JSON.stringify(value);
}

/**
 * A plain table: a header row and rows, columns padded to their widest cell. Columns whose name
 * is in `right` are right-aligned (numbers).
 */
export function table(header: string[], rows: unknown[][], right: string[] = []): string {
  const text = rows.map((r) => r.map(cell));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.includes(header[i]) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  if (rows.length === 0) return `${line(header)}\n(none)`;
  return [line(header), ...text.map(line)].join("\n");
}

/** `key value` lines for one object. */
export function fields(object: Record<string, unknown>, keys: string[] = Object.keys(object)): string {
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(width)}  ${cell(object[k])}`).join("\n");
}

/** A usage summary group list as a table (`By provider`), the first `limit` rows. */
export function groupTable(title: string, groups: UsageSummaryGroup[] | undefined, limit = 10): string {
  if (!groups) return "";
  const header = ["key", "records", "success", "error", "aborted", "tokens", "cost"];
  const rows = groups.slice(0, limit).map((g) => [g.key, g.records, g.success, g.error, g.aborted, g.totalTokens, formatUsd(g.costUsd)]);
  const body = table(header, rows, header.slice(1)).split("\n").map((l) => `  ${l}`).join("\n");
  const more = groups.length > limit ? `\n  … and ${groups.length - limit} more` : "";
  return `${title}\n${body}${more}`;
}

/**
 * Runs `task` with a progress line on stderr (`\r`, elapsed seconds, cleared at the end) when
 * both stdout and stderr are terminals and the output is not JSON. The line appears only after
 * 300 ms, so quick commands print nothing.
 */
export async function withProgress<T>(enabled: boolean, label: string, task: () => Promise<T>): Promise<T> {
  if (!enabled || !process.stderr.isTTY || !process.stdout.isTTY) return task();
  const started = Date.now();
  let shown = false;
  const frames = "|/-\\";
  let frame = 0;
  const tick = setInterval(() => {
    shown = true;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r${frames[frame++ % frames.length]} ${label} ${seconds} s`);
  }, 300);
  try {
    return await task();
  } finally {
    clearInterval(tick);
    if (shown) process.stderr.write("\r\x1b[2K");
  }
}
