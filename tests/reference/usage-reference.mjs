// The plain JavaScript path, written from reference-behaviour.md §4.1 and §5: what the
// TypeScript package does (read, split, JSON.parse per line, filter, sort, aggregate).
// The benchmark measures against it and the differential tests compare results with it.

import { readFileSync } from "node:fs";

export function readUsageRecords(path) {
  let text;
  try {
    text = readFileSync(path, "utf-8");
  } catch (error) {
    if (error.code === "ENOENT") return [];
    throw error;
  }
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line));
}

function toSet(value) {
  if (value === undefined) return undefined;
  return new Set((Array.isArray(value) ? value : [value]).filter((v) => v.length > 0));
}

function toTime(value) {
  if (value === undefined) return undefined;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

export function queryUsageRecords(records, query = {}) {
  const status = toSet(query.status);
  const routingMode = toSet(query.routingMode);
  const from = toTime(query.from);
  const to = toTime(query.to);
  const matched = records.filter((r) => {
    if (status && !status.has(r.status)) return false;
    if (routingMode && !routingMode.has(r.routingMode)) return false;
    if (query.provider !== undefined && r.resolvedProvider !== query.provider) return false;
    if (query.model !== undefined && r.resolvedModel !== query.model) return false;
    if (query.requestId !== undefined && r.requestId !== query.requestId) return false;
    if (query.agentRunId !== undefined && r.agentRunId !== query.agentRunId) return false;
    if (query.endpoint !== undefined && r.endpoint !== query.endpoint) return false;
    if (query.clientOrigin !== undefined && r.clientOrigin !== query.clientOrigin) return false;
    if (from !== undefined || to !== undefined) {
      const t = Date.parse(r.timestamp);
      if (from !== undefined && !(t >= from)) return false;
      if (to !== undefined && !(t <= to)) return false;
    }
    return true;
  });
  const ascending = query.order === "asc";
  matched.sort((a, b) => {
    const diff = Date.parse(a.timestamp) - Date.parse(b.timestamp);
    return ascending ? diff : -diff;
  });
  return typeof query.limit === "number" ? matched.slice(0, Math.max(0, query.limit)) : matched;
}

function createGroup(key) {
  return {
    key,
    records: 0,
    success: 0,
    error: 0,
    aborted: 0,
    skipped: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: 0,
    costUsd: 0,
  };
}

function addToGroup(group, r) {
  group.records += 1;
  group[r.status] += 1;
  group.inputTokens += r.usage?.input ?? r.inputTokens ?? 0;
  group.outputTokens += r.usage?.output ?? r.outputTokens ?? 0;
  group.cacheReadTokens += r.usage?.cacheRead ?? 0;
  group.cacheWriteTokens += r.usage?.cacheWrite ?? 0;
  group.reasoningTokens += r.usage?.reasoning ?? 0;
  group.totalTokens += r.usage?.totalTokens ?? (r.inputTokens ?? 0) + (r.outputTokens ?? 0);
  group.costUsd += r.cost?.total ?? r.costUsd ?? 0;
}

function addToMap(map, key, r) {
  let group = map.get(key);
  if (!group) {
    group = createGroup(key);
    map.set(key, group);
  }
  addToGroup(group, r);
}

function sorted(map) {
  return [...map.values()].sort(
    (a, b) => b.costUsd - a.costUsd || b.totalTokens - a.totalTokens || a.key.localeCompare(b.key),
  );
}

export function summarizeUsageRecords(records) {
  const total = createGroup("total");
  const byProvider = new Map();
  const byModel = new Map();
  const byEndpoint = new Map();
  const byClientOrigin = new Map();
  for (const r of records) {
    addToGroup(total, r);
    addToMap(byProvider, r.resolvedProvider, r);
    addToMap(byModel, r.resolvedModel, r);
    addToMap(byEndpoint, r.endpoint ?? "unknown", r);
    addToMap(byClientOrigin, r.clientOrigin ?? "unknown", r);
  }
  return {
    ...total,
    byProvider: sorted(byProvider),
    byModel: sorted(byModel),
    byEndpoint: sorted(byEndpoint),
    byClientOrigin: sorted(byClientOrigin),
  };
}

const DAY_MS = 86_400_000;

/**
 * Usage per UTC day, the plain way: the query's records (limit ignored) bucketed by
 * `Math.floor(Date.parse(timestamp) / day)`, every day from the one holding `from` (else the
 * earliest record) to the one holding `to` (else the latest) present, each bucket a summary
 * group with its ISO start and end. The shape `summarizeUsageByTime({bucket: "day"})` returns.
 */
export function summarizeUsageByUtcDay(records, query = {}) {
  const { limit: _limit, ...unlimited } = query;
  const matched = queryUsageRecords(records, unlimited);
  let earliest;
  let latest;
  for (const r of matched) {
    const t = Date.parse(r.timestamp);
    if (Number.isNaN(t)) continue;
    if (earliest === undefined || t < earliest) earliest = t;
    if (latest === undefined || t > latest) latest = t;
  }
  const lo = toTime(query.from) ?? earliest;
  const hi = toTime(query.to) ?? latest;
  const buckets = [];
  if (lo !== undefined && hi !== undefined && lo <= hi) {
    for (let day = Math.floor(lo / DAY_MS); day <= Math.floor(hi / DAY_MS); day++) {
      const start = new Date(day * DAY_MS).toISOString();
      const { key: _key, ...counts } = createGroup("");
      buckets.push({ key: start.slice(0, 10), start, end: new Date((day + 1) * DAY_MS).toISOString(), ...counts });
    }
  }
  const first = buckets.length ? Math.floor(lo / DAY_MS) : 0;
  for (const r of matched) {
    const t = Date.parse(r.timestamp);
    const bucket = buckets[Math.floor(t / DAY_MS) - first];
    if (bucket) addToGroup(bucket, r);
  }
  return {
    bucket: "day",
    timeZone: "UTC",
    from: buckets.length ? buckets[0].start : null,
    to: buckets.length ? buckets.at(-1).end : null,
    buckets,
  };
}
