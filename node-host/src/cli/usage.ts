// `usage summary|list|show|series`: the usage store's queries with the server's query
// parameters as flags. The flags become `[name, value]` pairs read by the core's query parser.

import { JsonlUsageStore } from "../jsonl-store.js";
import type { UsageRecord, UsageRecordQuery, UsageSummaryGroupBy } from "../types.js";
import { CliError, EXIT, exists, int, notFound, str, usageError, type Command, type Context, type Flag } from "./command.js";
import { formatNumber, formatUsd, groupTable, table } from "./format.js";
import { usageDetail, usageQueryFromPairs } from "./query.js";

/** The server's query parameters (§7.1), one flag each; the value is passed on as text. */
const QUERY_FLAGS: Record<string, Flag & { param: string }> = {
  provider: { type: "string", param: "provider", description: "resolved provider", valueName: "P" },
  model: { type: "string", param: "model", description: "resolved model", valueName: "M" },
  status: { type: "string", param: "status", description: "success, error, aborted (comma-separated)", valueName: "S" },
  endpoint: { type: "string", param: "endpoint", description: "endpoint", valueName: "E" },
  origin: { type: "string", param: "origin", description: "client origin", valueName: "O" },
  "routing-mode": { type: "string", param: "routingMode", description: "routing mode(s)", valueName: "R" },
  "agent-run": { type: "string", param: "agentRunId", description: "agent run id", valueName: "ID" },
  from: { type: "string", param: "from", description: "at or after (ISO time)", valueName: "T" },
  to: { type: "string", param: "to", description: "at or before (ISO time)", valueName: "T" },
  order: { type: "string", param: "order", description: "asc or desc", valueName: "ORDER" },
};
const LIMIT_FLAG: Record<string, Flag> = { limit: { type: "string", description: "at most N records (0..1000, default 100)", valueName: "N" } };
const FILE_FLAG: Record<string, Flag> = { file: { type: "string", description: "the usage file (default: the agent directory's usage.jsonl)", valueName: "F" } };

const queryFlags = (): Record<string, Flag> =>
  Object.fromEntries(Object.entries(QUERY_FLAGS).map(([k, { param: _p, ...f }]) => [k, f]));

/** The flags as the server's query string pairs, in flag order. */
function pairs(values: Record<string, unknown>, withLimit: boolean): [string, string][] {
  const out: [string, string][] = [];
  for (const [flag, { param }] of Object.entries(QUERY_FLAGS)) {
    const v = str(values[flag]);
    if (v !== undefined) out.push([param, v]);
  }
  if (withLimit && str(values.limit) !== undefined) out.push(["limit", str(values.limit) as string]);
  return out;
}

/** The usage store of `--file` or the agent directory; a missing file is exit 3. */
export async function usageStore(ctx: Context, values: Record<string, unknown>, writes = false): Promise<JsonlUsageStore> {
  const file = str(values.file);
  const path = file ?? ctx.paths().usage;
  if (!(await exists(path))) throw notFound(`usage file not found: ${path}`);
  return file === undefined ? ctx.files().usage : new JsonlUsageStore(file, { saveIndex: writes });
}

/** Skipped lines: a warning, or exit 4 when the file has lines and none of them could be read. */
function checkSkipped(ctx: Context, store: JsonlUsageStore, read: number): void {
  const skipped = store.getLastReadDiagnostics();
  if (skipped.length === 0) return;
  if (read === 0) {
    throw new CliError(EXIT.corrupt, `${store.path}: none of its lines could be read (${skipped.length} skipped; run \`pie-storage doctor\`)`, "PIE_CORRUPT_FILE");
  }
  ctx.warn(`${skipped.length} line(s) of ${store.path} skipped (corrupt or torn); run \`pie-storage doctor\` for positions`);
}

function recordRows(records: UsageRecord[]): unknown[][] {
  return records.map((r) => {
    const x = r as unknown as Record<string, any>;
    const tokens = x.usage?.totalTokens ?? (x.usage?.inputTokens ?? 0) + (x.usage?.outputTokens ?? 0);
    return [x.timestamp, x.status, x.resolvedProvider, x.resolvedModel, x.endpoint, tokens, formatUsd(x.cost?.total ?? x.costUsd), x.requestId];
  });
}
const RECORD_HEADER = ["timestamp", "status", "provider", "model", "endpoint", "tokens", "cost", "requestId"];

const GROUP_BY: UsageSummaryGroupBy[] = ["connection", "apiKey", "status", "requestedModel"];

export const usageCommands: Command[] = [
  {
    path: ["usage", "summary"],
    summary: "totals and per-provider, model, endpoint and origin groups (the /usage/summary view)",
    flags: {
      ...queryFlags(),
      ...FILE_FLAG,
      "group-by": { type: "string", description: `extra groups: ${GROUP_BY.join(",")}`, valueName: "G" },
      top: { type: "string", description: "keep N groups per list, the rest summed as \"other\"", valueName: "N" },
    },
    async run(ctx, _p, values) {
      const store = await usageStore(ctx, values);
      const query = usageQueryFromPairs(pairs(values, false), "usage.summary");
      const groupBy = str(values["group-by"])?.split(",").map((g) => g.trim()).filter(Boolean) as UsageSummaryGroupBy[] | undefined;
      for (const g of groupBy ?? []) if (!GROUP_BY.includes(g)) throw usageError(`--group-by: unknown group ${JSON.stringify(g)}`, `one of ${GROUP_BY.join(", ")}`);
      const top = int(values.top, "top");
      const options = groupBy || top !== undefined ? { ...(groupBy ? { groupBy } : {}), ...(top !== undefined ? { top } : {}) } : undefined;
      const summary = await ctx.progress(`summarizing ${store.path}`, () =>
        options ? store.summarizeUsage(query, options) : store.summarizeUsage(query),
      );
      checkSkipped(ctx, store, summary.records);
      return {
        json: { count: summary.records, summary },
        human: () => {
          const s = summary;
          const extra = summary as unknown as Record<string, any>;
          const head = [
            `Usage summary of ${store.path}`,
            `Total: ${formatNumber(s.records)} attempts: ${formatNumber(s.success)} success, ${formatNumber(s.error)} error, ${formatNumber(s.aborted)} aborted, ${formatNumber(s.skipped)} skipped`,
            `Tokens: ${formatNumber(s.inputTokens)} in, ${formatNumber(s.outputTokens)} out, ${formatNumber(s.cacheReadTokens)} cache read, ${formatNumber(s.totalTokens)} total`,
            `Cost: ${formatUsd(s.costUsd)}`,
          ].join("\n");
          return [
            head,
            groupTable("By provider", s.byProvider),
            groupTable("By model", s.byModel),
            groupTable("By endpoint", s.byEndpoint),
            groupTable("By client origin", s.byClientOrigin),
            groupTable("By connection", extra.byConnection),
            groupTable("By API key", extra.byApiKey),
            groupTable("By status", extra.byStatus),
            groupTable("By requested model", extra.byRequestedModel),
          ].filter((l) => l !== "").join("\n\n");
        },
      };
    },
  },
  {
    path: ["usage", "list"],
    summary: "the matching records, newest last unless --order desc (the /usage view)",
    flags: { ...queryFlags(), ...LIMIT_FLAG, ...FILE_FLAG },
    async run(ctx, _p, values) {
      // A typo is a usage error here (the server reads `limit=ten` as the default).
      int(values.limit, "limit");
      const store = await usageStore(ctx, values);
      const query = usageQueryFromPairs(pairs(values, true), "usage.list");
      const records = await ctx.progress(`reading ${store.path}`, () => store.queryUsage(query));
      checkSkipped(ctx, store, records.length);
      return { json: { count: records.length, records }, human: () => table(RECORD_HEADER, recordRows(records), ["tokens", "cost"]) };
    },
  },
  {
    path: ["usage", "show"],
    summary: "every attempt of one request, with its summary",
    args: "<requestId>",
    positionals: [1, 1],
    flags: { ...FILE_FLAG },
    async run(ctx, [requestId], values) {
      const store = await usageStore(ctx, values);
      const query: UsageRecordQuery = { requestId, order: "asc" };
      const records = await ctx.progress(`reading ${store.path}`, () => store.queryUsage(query));
      if (records.length === 0) throw notFound(`no usage records for request ${JSON.stringify(requestId)}`);
      const detail = usageDetail(requestId, records);
      const summary = detail.summary as { totalTokens: number; costUsd: number };
      return {
        json: detail,
        human: () =>
          [
            `Request ${requestId}: ${records.length} attempt(s), ${formatNumber(summary.totalTokens)} tokens, ${formatUsd(summary.costUsd)}`,
            table(RECORD_HEADER, recordRows(records), ["tokens", "cost"]),
          ].join("\n"),
      };
    },
  },
  {
    path: ["usage", "series"],
    summary: "usage per calendar bucket (day by default)",
    flags: {
      ...queryFlags(),
      ...FILE_FLAG,
      bucket: { type: "string", description: "minute, hour, day, week or month (default day)", valueName: "B" },
      "time-zone": { type: "string", description: "an IANA zone (default UTC)", valueName: "TZ" },
    },
    async run(ctx, _p, values) {
      const store = await usageStore(ctx, values);
      const query = usageQueryFromPairs(pairs(values, false), "usage.summary");
      const options = { bucket: str(values.bucket) as any, timeZone: str(values["time-zone"]) };
      const series = await ctx.progress(`summarizing ${store.path}`, () => store.summarizeUsageByTime(query, options));
      return {
        json: series,
        human: () => {
          const buckets = (series as unknown as { buckets: any[] }).buckets ?? [];
          const header = ["bucket", "records", "success", "error", "aborted", "tokens", "cost"];
          const rows = buckets.map((b) => [b.key, b.records, b.success, b.error, b.aborted, b.totalTokens, formatUsd(b.costUsd)]);
          return [`Usage per ${series.bucket} (${series.timeZone})`, table(header, rows, header.slice(1))].join("\n");
        },
      };
    },
  },
];

