#!/usr/bin/env node
// `pie-storage-usage [file]`: a readable usage summary of the default usage file, or of a
// generated demo file when there is none.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { generateUsageRecords, toJsonl } from "./demo.js";
import { createJsonlUsageStore, getDefaultUsageFilePath, type UsageSummaryGroup } from "./index.js";

function formatNumber(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : String(n);
}

function formatUsd(n: number): string {
  return `$${n.toFixed(n >= 100 ? 2 : 4)}`;
}

function table(title: string, groups: UsageSummaryGroup[], limit = 10): string {
  const header = ["key", "records", "success", "error", "aborted", "tokens", "cost"];
  const rows = groups.slice(0, limit).map((g) => [
    g.key,
    formatNumber(g.records),
    formatNumber(g.success),
    formatNumber(g.error),
    formatNumber(g.aborted),
    formatNumber(g.totalTokens),
    formatUsd(g.costUsd),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const more = groups.length > limit ? `\n  … and ${groups.length - limit} more` : "";
  return [`${title}`, `  ${line(header)}`, ...rows.map((r) => `  ${line(r)}`)].join("\n") + more;
}

async function main(): Promise<void> {
  const explicit = process.argv[2];
  let path = explicit ?? getDefaultUsageFilePath();
  let source: string;
  if (existsSync(path)) {
    source = explicit ? `file ${path}` : `default usage file ${path}`;
  } else {
    const demoDir = join(tmpdir(), "pie-storage-demo");
    mkdirSync(demoDir, { recursive: true });
    const demo = join(demoDir, "usage.jsonl");
    writeFileSync(demo, toJsonl(generateUsageRecords(5000, 7)));
    source = `a generated demo file ${demo} (5,000 records), because ${path} does not exist`;
    path = demo;
  }
  const store = createJsonlUsageStore(path);
  const started = performance.now();
  const summary = await store.summarizeUsage();
  const elapsed = performance.now() - started;
  const skipped = store.getLastReadDiagnostics();

  console.log(`Usage summary of ${source}`);
  console.log(`computed in ${elapsed.toFixed(1)} ms\n`);
  console.log(
    `Total: ${formatNumber(summary.records)} attempts — ${formatNumber(summary.success)} success, ` +
      `${formatNumber(summary.error)} error, ${formatNumber(summary.aborted)} aborted, ${formatNumber(summary.skipped)} skipped`,
  );
  console.log(
    `Tokens: ${formatNumber(summary.inputTokens)} in, ${formatNumber(summary.outputTokens)} out, ` +
      `${formatNumber(summary.cacheReadTokens)} cache read, ${formatNumber(summary.totalTokens)} total`,
  );
  console.log(`Cost: ${formatUsd(summary.costUsd)}\n`);
  console.log(table("By provider", summary.byProvider) + "\n");
  console.log(table("By model", summary.byModel) + "\n");
  console.log(table("By endpoint", summary.byEndpoint) + "\n");
  console.log(table("By client origin", summary.byClientOrigin));
  if (skipped.length > 0) {
    console.log(`\n${skipped.length} line(s) skipped:`);
    for (const d of skipped.slice(0, 10)) console.log(`  ${d.code}: ${d.message}`);
  }
}

main().catch((error: Error & { code?: string }) => {
  console.error(`pie-storage-usage: ${error.code ?? "ERROR"}: ${error.message}`);
  process.exitCode = 1;
});
