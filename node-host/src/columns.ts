// Encodes arrays of record objects as columns for the core (see core/src/usage/columns.rs):
// one typed array per field instead of one boundary crossing per object. No rule lives here:
// values are copied as they are; missing and non-string/non-number values are marked missing.

import type { UsageColumns } from "../wasm/node/pie_storage_wasm.js";
import { wasm } from "./wasm.js";

/** Text fields in the core's column order (checked against the core at load time). */
export const TEXT_FIELDS = [
  "timestamp",
  "status",
  "routingMode",
  "resolvedProvider",
  "resolvedModel",
  "requestId",
  "agentRunId",
  "endpoint",
  "clientOrigin",
] as const;

/** Amount slots in the core's order: usage.*, flat tokens, cost.total, costUsd. */
export const AMOUNT_FIELDS = [
  "usage.input",
  "usage.output",
  "usage.cacheRead",
  "usage.cacheWrite",
  "usage.reasoning",
  "usage.totalTokens",
  "inputTokens",
  "outputTokens",
  "cost.total",
  "costUsd",
] as const;

export type TextField = (typeof TEXT_FIELDS)[number];
type AnyRecord = Record<string, unknown>;

function encodeText(columns: UsageColumns, records: readonly unknown[], field: TextField): void {
  const n = records.length;
  const ids = new Uint32Array(n);
  const dict = new Map<string, number>();
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const record = records[i] as AnyRecord | null | undefined;
    const value = record == null ? undefined : record[field];
    if (typeof value !== "string") continue;
    let id = dict.get(value);
    if (id === undefined) {
      parts.push(value);
      id = parts.length;
      dict.set(value, id);
    }
    ids[i] = id;
  }
  const lengths = new Uint32Array(parts.length);
  for (let k = 0; k < parts.length; k++) lengths[k] = parts[k].length;
  columns.setText(field, ids, parts.join(""), lengths);
}

function encodeAmounts(columns: UsageColumns, records: readonly unknown[]): void {
  const n = records.length;
  const values = new Float64Array(n * 10);
  const present = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const r = records[i] as AnyRecord | null | undefined;
    if (r == null || typeof r !== "object") continue;
    const o = i * 10;
    let mask = 0;
    const u = r.usage as AnyRecord | null | undefined;
    if (u != null && typeof u === "object") {
      let v = u.input;
      if (typeof v === "number") { values[o] = v; mask |= 1; }
      v = u.output;
      if (typeof v === "number") { values[o + 1] = v; mask |= 2; }
      v = u.cacheRead;
      if (typeof v === "number") { values[o + 2] = v; mask |= 4; }
      v = u.cacheWrite;
      if (typeof v === "number") { values[o + 3] = v; mask |= 8; }
      v = u.reasoning;
      if (typeof v === "number") { values[o + 4] = v; mask |= 16; }
      v = u.totalTokens;
      if (typeof v === "number") { values[o + 5] = v; mask |= 32; }
    }
    let v = r.inputTokens;
    if (typeof v === "number") { values[o + 6] = v; mask |= 64; }
    v = r.outputTokens;
    if (typeof v === "number") { values[o + 7] = v; mask |= 128; }
    const c = r.cost as AnyRecord | null | undefined;
    if (c != null && typeof c === "object") {
      v = c.total;
      if (typeof v === "number") { values[o + 8] = v; mask |= 256; }
    }
    v = r.costUsd;
    if (typeof v === "number") { values[o + 9] = v; mask |= 512; }
    present[i] = mask;
  }
  columns.setAmounts(values, present);
}

/** Builds the columns the core needs; the caller must `free()` them. */
export function encodeColumns(
  records: readonly unknown[],
  textFields: readonly TextField[],
  withAmounts: boolean,
): UsageColumns {
  const columns = new (wasm().UsageColumns)(records.length);
  try {
    for (const field of textFields) encodeText(columns, records, field);
    if (withAmounts) encodeAmounts(columns, records);
    return columns;
  } catch (error) {
    columns.free();
    throw error;
  }
}

/** Fails loudly if this encoder and the core disagree on the column layout. */
export function checkColumnLayout(): void {
  const layout = wasm().usageColumnLayout() as { textFields: string[]; amountFields: string[] };
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(layout.textFields, TEXT_FIELDS) || !same(layout.amountFields, AMOUNT_FIELDS)) {
    throw new Error("@pie-lab/storage: the JS column encoder and the wasm core disagree on the column layout");
  }
}
