// JsonlUsageStore for Node: the core's JSONL store over a real file.

import { resolve } from "node:path";
import { NodeFileHost } from "./node-storage.js";
import type {
  UsageLineDiagnostic,
  UsageRecord,
  UsageRecordQuery,
  UsageSeries,
  UsageSeriesOptions,
  UsageStore,
  UsageSummary,
  UsageSummaryOptions,
  UsageSummaryWithGroups,
} from "./types.js";
import { queryForCore } from "./usage.js";
import { call, drive, toJsonText, wasm } from "./wasm.js";

export class JsonlUsageStore implements UsageStore {
  private readonly filePath: string;
  private readonly core: InstanceType<ReturnType<typeof wasm>["JsonlUsageStoreCore"]>;
  private readonly host: NodeFileHost;

  /**
   * Queries and summaries run over a columnar index of the file, kept in memory (shared by the
   * stores of this process on the same file) and updated by parsing only appended bytes. With
   * `saveIndex` (the default) the index is also saved beside the file as
   * `<file>.pie-index`, so the next process starts warm; it is derived data, checked before use.
   */
  constructor(filePath: string, options: JsonlUsageStoreOptions = {}) {
    this.filePath = filePath;
    const absolute = resolve(filePath);
    const saves = options.saveIndex !== false;
    this.host = new NodeFileHost(absolute, saves ? wasm().savedUsageIndexPath(absolute) : undefined);
    this.core = new (wasm().JsonlUsageStoreCore)(absolute, saves);
  }

  get path(): string {
    return this.filePath;
  }

  /** Validates the record and appends it as one line (one write, never half a record). */
  async recordUsage(record: UsageRecord): Promise<void> {
    const json = toJsonText(record, "the usage record");
    await drive(call(() => this.core.recordOperation(json)), this.host);
  }

  /** Every record in file order. Bad lines are skipped: see {@link getLastReadDiagnostics}. */
  async getUsageRecords(): Promise<UsageRecord[]> {
    const text = await drive<string>(this.core.recordsOperation(), this.host);
    return JSON.parse(text) as UsageRecord[];
  }

  /** The lines the last read skipped (corrupt or torn), with line number and byte offset. */
  getLastReadDiagnostics(): UsageLineDiagnostic[] {
    return call(() => this.core.diagnostics()) as UsageLineDiagnostic[];
  }

  /**
   * `queryUsageRecords(await getUsageRecords(), query)`, reading from the file only the
   * records returned (the newest ones are the file's tail when it is in time order).
   */
  async queryUsage(query: UsageRecordQuery = {}): Promise<UsageRecord[]> {
    const text = await drive<string>(call(() => this.core.queryOperation(queryForCore(query))), this.host);
    return JSON.parse(text) as UsageRecord[];
  }

  /**
   * `summarizeUsageRecords(queryUsageRecords(records, query))` with `limit` ignored, as the
   * server's `/usage/summary` computes it, bit for bit. The core reads only the fields a summary
   * needs, without building the records. Skipped lines: {@link getLastReadDiagnostics}.
   */
  async summarizeUsage(query?: UsageRecordQuery): Promise<UsageSummary>;
  async summarizeUsage(query: UsageRecordQuery | undefined, options: UsageSummaryOptions): Promise<UsageSummaryWithGroups>;
  async summarizeUsage(query: UsageRecordQuery = {}, options?: UsageSummaryOptions): Promise<UsageSummaryWithGroups> {
    return drive<UsageSummary>(call(() => this.core.summarizeOperation(queryForCore(query), options)), this.host);
  }

  /**
   * Usage per calendar bucket (see `summarizeUsageRecordsByTime`) from the index alone: the cost
   * follows the records in the query's range, not the file.
   */
  async summarizeUsageByTime(query: UsageRecordQuery = {}, options: UsageSeriesOptions = {}): Promise<UsageSeries> {
    return drive<UsageSeries>(call(() => this.core.summarizeByTimeOperation(queryForCore(query), options)), this.host);
  }
}

export interface JsonlUsageStoreOptions {
  /** Save the index beside the file (`<file>.pie-index`) for fast cold starts. Default true. */
  saveIndex?: boolean;
}

export function createJsonlUsageStore(path: string, options?: JsonlUsageStoreOptions): JsonlUsageStore {
  return new JsonlUsageStore(path, options);
}
