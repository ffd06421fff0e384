// The request-details store's JavaScript face, shared by every entry: the core's operations
// (core/src/details) driven through a host (the Node folder store) or done at once (in memory).

import type { CoreHost, CoreOperation } from "./core-api.js";
import type {
  NewRequestDetail,
  RequestDetail,
  RequestDetailsConfig,
  RequestDetailsDiagnostic,
  RequestDetailsOptions,
  RequestDetailsPage,
  RequestDetailsQuery,
  RequestDetailsStore,
} from "./details-types.js";
import { call, drive, toJsonText, wasm } from "./wasm.js";

/** The core's half of a store (`wasm/src/details.rs`). */
export interface DetailsCore {
  config(): RequestDetailsConfig;
  recordOperation(json: string): CoreOperation;
  pageOperation(query: string): CoreOperation;
  detailOperation(id: string): CoreOperation;
  providersOperation(): CoreOperation;
  diagnostics(): RequestDetailsDiagnostic[];
}

/** The options as the core reads them (JSON text). */
export function detailsOptionsText(options: RequestDetailsOptions = {}): string {
  return toJsonText(options, "the request-details options");
}

/** A request-details store over `core`, its I/O carried out by `host` (none: in memory). */
export class CoreRequestDetailsStore implements RequestDetailsStore {
  constructor(
    private readonly core: DetailsCore,
    private readonly host: CoreHost | undefined,
  ) {}

  async recordRequestDetail(detail: NewRequestDetail): Promise<boolean> {
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

/** Request details held in memory, with the same rules as the folder store (tests, browsers). */
export class InMemoryRequestDetailsStore extends CoreRequestDetailsStore {
  constructor(options: RequestDetailsOptions = {}) {
    const json = detailsOptionsText(options);
    super(call(() => wasm().RequestDetailsStoreCore.inMemory(json)), undefined);
  }
}

export function createInMemoryRequestDetailsStore(options?: RequestDetailsOptions): InMemoryRequestDetailsStore {
  return new InMemoryRequestDetailsStore(options);
}
