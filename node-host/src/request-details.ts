// The request-details store for Node: the core's steps (core/src/details) over a folder of
// segments, every request awaited through `fs/promises`.

import { resolve } from "node:path";

import type { CoreOperation } from "./core-api.js";
import type {
  RequestDetail,
  RequestDetailsConfig,
  RequestDetailsDiagnostic,
  RequestDetailsOptions,
  RequestDetailsPage,
  RequestDetailsQuery,
  RequestDetailsStore,
} from "./details-types.js";
import { NodeFileHost } from "./node-storage.js";
import { call, drive, toJsonText, wasm } from "./wasm.js";

/** The core's half of a store: the same for the file store and the in-memory one. */
interface DetailsCore {
  config(): RequestDetailsConfig;
  recordOperation(json: string): CoreOperation;
  pageOperation(query: string): CoreOperation;
  detailOperation(id: string): CoreOperation;
  providersOperation(): CoreOperation;
  diagnostics(): RequestDetailsDiagnostic[];
}

/** Request details in a folder (`<agentDir>/request-details` by default). */
export class FolderRequestDetailsStore implements RequestDetailsStore {
  private readonly core: DetailsCore;
  private readonly host: NodeFileHost;
  readonly folder: string;

  constructor(folder: string, options: RequestDetailsOptions = {}) {
    this.folder = resolve(folder);
    this.host = new NodeFileHost(this.folder);
    const json = toJsonText(options, "the request-details options");
    this.core = call(() => new (wasm().RequestDetailsStoreCore)(json));
  }

  async recordRequestDetail(detail: RequestDetail): Promise<boolean> {
    const json = toJsonText(detail, "the request detail");
    return drive<boolean>(call(() => this.core.recordOperation(json)), this.host);
  }

  async getRequestDetails(query: RequestDetailsQuery = {}): Promise<RequestDetailsPage> {
    const json = toJsonText(query, "the request-details query");
    const text = await drive<string>(call(() => this.core.pageOperation(json)), this.host);
    return JSON.parse(text) as RequestDetailsPage;
  }

  async getRequestDetail(id: string): Promise<RequestDetail | null> {
    const text = await drive<string>(call(() => this.core.detailOperation(String(id))), this.host);
    return JSON.parse(text) as RequestDetail | null;
  }

  async getRequestDetailProviders(): Promise<string[]> {
    return drive<string[]>(call(() => this.core.providersOperation()), this.host);
  }

  getConfig(): RequestDetailsConfig {
    return call(() => this.core.config());
  }

  getLastReadDiagnostics(): RequestDetailsDiagnostic[] {
    return call(() => this.core.diagnostics());
  }
}

/** A request-details store in `folder`, with `options` (defaults in {@link RequestDetailsOptions}). */
export function createRequestDetailsStore(folder: string, options?: RequestDetailsOptions): FolderRequestDetailsStore {
  return new FolderRequestDetailsStore(folder, options);
}
