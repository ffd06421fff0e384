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

/** Fields where nearly every value differs: sent as one joined string, not a dictionary. */
const PLAIN_FIELDS: ReadonlySet<TextField> = new Set(["timestamp", "requestId", "agentRunId"]);
const MISSING = 0xffffffff;
const encoder = new TextEncoder();

/**
 * Dictionary coding of one field: ids per row, distinct values in first-seen order. The index
 * is a null-prototype object rather than a Map: V8 internalizes property keys, so repeated
 * lookups of equal strings skip rehashing, which makes this the fastest string-to-id table.
 */
class DictEncoder {
  readonly ids: Uint32Array;
  private readonly index: Record<string, number> = Object.create(null);
  private readonly values: string[] = [];
  constructor(rows: number) {
    this.ids = new Uint32Array(rows);
  }
  add(row: number, value: unknown): void {
    if (typeof value !== "string") return;
    let id = this.index[value];
    if (id === undefined) {
      this.values.push(value);
      id = this.values.length;
      this.index[value] = id;
    }
    this.ids[row] = id;
  }
  send(columns: UsageColumns, field: string): void {
    const lengths = Uint32Array.from(this.values, (v) => v.length);
    columns.setDictText(field, this.ids, this.values.join(""), lengths);
  }
}

/**
 * A dictionary pre-seeded with the four statuses, compared by identity first: JSON.parse
 * interns short strings, so a status is usually the very same string object.
 */
class StatusEncoder extends DictEncoder {
  constructor(rows: number) {
    super(rows);
    for (const status of ["success", "error", "aborted", "skipped"]) super.add(0, status);
    this.ids[0] = 0;
  }
  override add(row: number, value: unknown): void {
    if (value === "success") this.ids[row] = 1;
    else if (value === "error") this.ids[row] = 2;
    else if (value === "aborted") this.ids[row] = 3;
    else if (value === "skipped") this.ids[row] = 4;
    else super.add(row, value);
  }
}

/** Plain coding of one field: every value concatenated (faster than join), with UTF-16 lengths. */
class PlainEncoder {
  readonly lengths: Uint32Array;
  private text = "";
  constructor(rows: number) {
    this.lengths = new Uint32Array(rows).fill(MISSING);
  }
  add(row: number, value: unknown): void {
    if (typeof value !== "string") return;
    this.text += value;
    this.lengths[row] = value.length;
  }
  send(columns: UsageColumns, field: string): void {
    columns.setPlainText(field, encoder.encode(this.text), this.lengths);
  }
}

/** Copies the amounts of one record into its block of 10 slots; returns the presence mask. */
function readAmounts(r: AnyRecord, values: Float64Array, o: number): number {
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
  return mask;
}

/**
 * Builds text columns for the core in one pass over the records (each object is touched once,
 * which matters more than anything else for speed). `rows`, when given, selects and orders the
 * records to encode. The caller must `free()` the result.
 */
export function encodeColumns(
  records: readonly unknown[],
  textFields: readonly TextField[],
  rows?: ArrayLike<number>,
): UsageColumns {
  const n = rows ? rows.length : records.length;
  const encoders = textFields.map((f) => (PLAIN_FIELDS.has(f) ? new PlainEncoder(n) : new DictEncoder(n)));
  const fieldCount = textFields.length;
  for (let row = 0; row < n; row++) {
    const r = records[rows ? rows[row] : row] as AnyRecord | null | undefined;
    if (r == null || typeof r !== "object") continue;
    for (let k = 0; k < fieldCount; k++) encoders[k].add(row, r[textFields[k]]);
  }
  const columns = new (wasm().UsageColumns)(n);
  try {
    for (let k = 0; k < fieldCount; k++) encoders[k].send(columns, textFields[k]);
    return columns;
  } catch (error) {
    columns.free();
    throw error;
  }
}

/**
 * The columns a summary reads (status, provider, model, endpoint, client origin and the
 * amounts) in one pass with the field names written out, which V8 optimizes far better than
 * the generic loop of {@link encodeColumns}. The caller must `free()` the result.
 */
export function encodeSummaryColumns(records: readonly unknown[]): UsageColumns {
  const n = records.length;
  const status = new StatusEncoder(n);
  const provider = new DictEncoder(n);
  const model = new DictEncoder(n);
  const endpoint = new DictEncoder(n);
  const origin = new DictEncoder(n);
  const values = new Float64Array(n * 10);
  const present = new Uint16Array(n);
  for (let row = 0; row < n; row++) {
    const r = records[row] as AnyRecord | null | undefined;
    if (r == null || typeof r !== "object") continue;
    status.add(row, r.status);
    provider.add(row, r.resolvedProvider);
    model.add(row, r.resolvedModel);
    endpoint.add(row, r.endpoint);
    origin.add(row, r.clientOrigin);
    present[row] = readAmounts(r, values, row * 10);
  }
  const columns = new (wasm().UsageColumns)(n);
  try {
    status.send(columns, "status");
    provider.send(columns, "resolvedProvider");
    model.send(columns, "resolvedModel");
    endpoint.send(columns, "endpoint");
    origin.send(columns, "clientOrigin");
    columns.setAmounts(values, present);
    return columns;
  } catch (error) {
    columns.free();
    throw error;
  }
}

/**
 * Only the timestamps, of the records at `rows` (or all), with the field name written out: the
 * sort step of a query reads nothing else. The caller must `free()` the result.
 */
export function encodeTimestamps(records: readonly unknown[], rows?: ArrayLike<number>): UsageColumns {
  const n = rows ? rows.length : records.length;
  const lengths = new Uint32Array(n);
  let text = "";
  for (let row = 0; row < n; row++) {
    const r = records[rows ? rows[row] : row] as AnyRecord | null | undefined;
    const value = r == null ? undefined : r.timestamp;
    if (typeof value === "string") {
      text += value;
      lengths[row] = value.length;
    } else {
      lengths[row] = MISSING;
    }
  }
  const columns = new (wasm().UsageColumns)(n);
  try {
    columns.setPlainText("timestamp", encoder.encode(text), lengths);
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
