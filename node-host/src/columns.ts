// Encodes arrays of record objects as columns for the core (see core/src/usage/columns.rs):
// one typed array per field instead of one boundary crossing per object. No rule lives here:
// values are copied as they are; missing and non-string/non-number values are marked missing.
//
// The layout (field names, which text fields are plain, the amount slot order, the fields a
// summary reads, the missing marker) is the core's `COLUMN_LAYOUT`, read once when an entry
// loads the wasm module ({@link useCoreColumnLayout}). The encoder takes its slot positions and
// codings from it; a layout holding a field this encoder cannot read fails the load loudly.

import type { UsageColumns } from "./core-api.js";
import { wasm } from "./wasm.js";

/** The core's column layout, as `usageColumnLayout()` returns it. */
export interface ColumnLayout {
  textFields: readonly string[];
  plainFields: readonly string[];
  amountFields: readonly string[];
  summaryFields: readonly string[];
  missingLength: number;
}

/** A text field of the layout (a record field name). */
export type TextField = string;
type AnyRecord = Record<string, unknown>;

const encoder = new TextEncoder();

/** The amount fields {@link readAmounts} reads, by layout path. */
const AMOUNT_PATHS = [
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
/** The text fields {@link encodeSummaryColumns} sends, in the order it sends them. */
const SUMMARY_PATHS = ["status", "resolvedProvider", "resolvedModel", "endpoint", "clientOrigin"] as const;

// Set from the core's layout by useCoreColumnLayout (module-level bindings, so the unrolled
// readers below stay as fast as with literal offsets).
let plainFields: ReadonlySet<string> = new Set();
let MISSING = 0xffffffff;
let SLOTS = 10;
let sInput = 0, sOutput = 1, sCacheRead = 2, sCacheWrite = 3, sReasoning = 4, sTotal = 5;
let sInputTokens = 6, sOutputTokens = 7, sCostTotal = 8, sCostUsd = 9;
let layoutLoaded = false;

/**
 * Takes the column layout from the core (by default the installed wasm module's
 * `usageColumnLayout()`), so the encoder follows the core's slot order and codings. Throws when
 * the layout names an amount or summary field this encoder cannot read, or lacks one it sends:
 * the encoder and the core would then disagree about what a column means.
 */
export function useCoreColumnLayout(layout: ColumnLayout = wasm().usageColumnLayout() as ColumnLayout): void {
  const fail = (what: string): never => {
    throw new Error(`@pie-lab/storage: the JS column encoder cannot follow the core's column layout (${what})`);
  };
  const slot = (path: (typeof AMOUNT_PATHS)[number]) => layout.amountFields.indexOf(path);
  for (const path of layout.amountFields) {
    if (!(AMOUNT_PATHS as readonly string[]).includes(path)) fail(`unknown amount field ${path}`);
  }
  for (const path of AMOUNT_PATHS) if (slot(path) < 0) fail(`amount field ${path} is gone`);
  if (layout.amountFields.length !== AMOUNT_PATHS.length || layout.amountFields.length > 16) fail("amount slot count");
  const sent = [...SUMMARY_PATHS];
  if (layout.summaryFields.length !== sent.length || layout.summaryFields.some((f) => !sent.includes(f as never))) {
    fail(`summary fields ${layout.summaryFields.join(", ")}`);
  }
  for (const f of [...layout.plainFields, ...layout.summaryFields]) {
    if (!layout.textFields.includes(f)) fail(`text field ${f} is not a column`);
  }
  if (layout.plainFields.some((f) => (SUMMARY_PATHS as readonly string[]).includes(f))) fail("a summary field is plain");
  if (!layout.plainFields.includes("timestamp")) fail("timestamp is not plain");
  if (!Number.isInteger(layout.missingLength)) fail("missing marker");
  sInput = slot("usage.input");
  sOutput = slot("usage.output");
  sCacheRead = slot("usage.cacheRead");
  sCacheWrite = slot("usage.cacheWrite");
  sReasoning = slot("usage.reasoning");
  sTotal = slot("usage.totalTokens");
  sInputTokens = slot("inputTokens");
  sOutputTokens = slot("outputTokens");
  sCostTotal = slot("cost.total");
  sCostUsd = slot("costUsd");
  SLOTS = layout.amountFields.length;
  plainFields = new Set(layout.plainFields);
  MISSING = layout.missingLength;
  layoutLoaded = true;
}

function ensureLayout(): void {
  if (!layoutLoaded) useCoreColumnLayout();
}

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

/** Copies the amounts of one record into its block of slots; returns the presence mask. */
function readAmounts(r: AnyRecord, values: Float64Array, o: number): number {
  let mask = 0;
  const u = r.usage as AnyRecord | null | undefined;
  if (u != null && typeof u === "object") {
    let v = u.input;
    if (typeof v === "number") { values[o + sInput] = v; mask |= 1 << sInput; }
    v = u.output;
    if (typeof v === "number") { values[o + sOutput] = v; mask |= 1 << sOutput; }
    v = u.cacheRead;
    if (typeof v === "number") { values[o + sCacheRead] = v; mask |= 1 << sCacheRead; }
    v = u.cacheWrite;
    if (typeof v === "number") { values[o + sCacheWrite] = v; mask |= 1 << sCacheWrite; }
    v = u.reasoning;
    if (typeof v === "number") { values[o + sReasoning] = v; mask |= 1 << sReasoning; }
    v = u.totalTokens;
    if (typeof v === "number") { values[o + sTotal] = v; mask |= 1 << sTotal; }
  }
  let v = r.inputTokens;
  if (typeof v === "number") { values[o + sInputTokens] = v; mask |= 1 << sInputTokens; }
  v = r.outputTokens;
  if (typeof v === "number") { values[o + sOutputTokens] = v; mask |= 1 << sOutputTokens; }
  const c = r.cost as AnyRecord | null | undefined;
  if (c != null && typeof c === "object") {
    v = c.total;
    if (typeof v === "number") { values[o + sCostTotal] = v; mask |= 1 << sCostTotal; }
  }
  v = r.costUsd;
  if (typeof v === "number") { values[o + sCostUsd] = v; mask |= 1 << sCostUsd; }
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
  ensureLayout();
  const n = rows ? rows.length : records.length;
  const encoders = textFields.map((f) => (plainFields.has(f) ? new PlainEncoder(n) : new DictEncoder(n)));
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
export function encodeSummaryColumns(records: readonly unknown[], extraFields: readonly TextField[] = []): UsageColumns {
  ensureLayout();
  const n = records.length;
  const status = new StatusEncoder(n);
  const provider = new DictEncoder(n);
  const model = new DictEncoder(n);
  const endpoint = new DictEncoder(n);
  const origin = new DictEncoder(n);
  const values = new Float64Array(n * SLOTS);
  const present = new Uint16Array(n);
  for (let row = 0; row < n; row++) {
    const r = records[row] as AnyRecord | null | undefined;
    if (r == null || typeof r !== "object") continue;
    status.add(row, r.status);
    provider.add(row, r.resolvedProvider);
    model.add(row, r.resolvedModel);
    endpoint.add(row, r.endpoint);
    origin.add(row, r.clientOrigin);
    present[row] = readAmounts(r, values, row * SLOTS);
  }
  const columns = new (wasm().UsageColumns)(n);
  try {
    status.send(columns, "status");
    provider.send(columns, "resolvedProvider");
    model.send(columns, "resolvedModel");
    endpoint.send(columns, "endpoint");
    origin.send(columns, "clientOrigin");
    columns.setAmounts(values, present);
    for (const field of extraFields) {
      const extra = new DictEncoder(n);
      for (let row = 0; row < n; row++) {
        const r = records[row] as AnyRecord | null | undefined;
        if (r != null && typeof r === "object") extra.add(row, r[field]);
      }
      extra.send(columns, field);
    }
    return columns;
  } catch (error) {
    columns.free();
    throw error;
  }
}

/**
 * The text columns `textFields` and the amounts, for a series (which filters, buckets by time
 * and sums in the core). The caller must `free()` the result.
 */
export function encodeSeriesColumns(records: readonly unknown[], textFields: readonly TextField[]): UsageColumns {
  const columns = encodeColumns(records, textFields);
  try {
    const n = records.length;
    const values = new Float64Array(n * SLOTS);
    const present = new Uint16Array(n);
    for (let row = 0; row < n; row++) {
      const r = records[row] as AnyRecord | null | undefined;
      if (r != null && typeof r === "object") present[row] = readAmounts(r, values, row * SLOTS);
    }
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
  ensureLayout();
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
