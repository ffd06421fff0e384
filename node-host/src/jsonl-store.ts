// JsonlUsageStore for Node: the core's JSONL store over a real file.

import { NodeFileStorage } from "./node-storage.js";
import type { UsageLineDiagnostic, UsageRecord, UsageRecordQuery, UsageStore, UsageSummary } from "./types.js";
import { queryForCore, queryUsageRecords } from "./usage.js";
import { call, codedError, wasm } from "./wasm.js";

export class JsonlUsageStore implements UsageStore {
  private readonly filePath: string;
  private readonly core: InstanceType<ReturnType<typeof wasm>["JsonlUsageStoreCore"]>;

  constructor(filePath: string) {
    this.filePath = filePath;
    this.core = new (wasm().JsonlUsageStoreCore)(new NodeFileStorage(filePath));
  }

  get path(): string {
    return this.filePath;
  }

  /** Validates the record and appends it as one line (one write, never half a record). */
  async recordUsage(record: UsageRecord): Promise<void> {
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      throw codedError("PIE_INVALID_USAGE_RECORD", "record must be an object", { path: "record" });
    }
    call(() => this.core.recordUsageJson(JSON.stringify(record)));
  }

  /** Every record in file order. Bad lines are skipped: see {@link getLastReadDiagnostics}. */
  async getUsageRecords(): Promise<UsageRecord[]> {
    const text = call(() => this.core.readRecordsArrayText());
    return JSON.parse(text) as UsageRecord[];
  }

  /** The lines the last read skipped (corrupt or torn), with line number and byte offset. */
  getLastReadDiagnostics(): UsageLineDiagnostic[] {
    return call(() => this.core.diagnostics()) as UsageLineDiagnostic[];
  }

  /** `queryUsageRecords(await getUsageRecords(), query)`. */
  async queryUsage(query: UsageRecordQuery = {}): Promise<UsageRecord[]> {
    return queryUsageRecords(await this.getUsageRecords(), query);
  }

  /**
   * `summarizeUsageRecords(queryUsageRecords(records, query))` with `limit` ignored, as the
   * server's `/usage/summary` computes it, bit for bit. The core reads only the fields a summary
   * needs, without building the records. Skipped lines: {@link getLastReadDiagnostics}.
   */
  async summarizeUsage(query: UsageRecordQuery = {}): Promise<UsageSummary> {
    return call(() => this.core.summarizeUsage(queryForCore(query))) as UsageSummary;
  }
}

export function createJsonlUsageStore(path: string): JsonlUsageStore {
  return new JsonlUsageStore(path);
}
