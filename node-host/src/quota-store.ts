// The quota file (`provider-quota.json`) for Node: the core's locked read-modify-write steps,
// carried out asynchronously by the Node file host.

import type { QuotaStoreCore } from "./core-api.js";
import { NodeFileHost } from "./node-storage.js";
import { QuotaStoreBase, type QuotaStoreOptions } from "./quota.js";
import { call, wasm } from "./wasm.js";

export class JsonQuotaStore extends QuotaStoreBase {
  protected readonly core: QuotaStoreCore;
  protected override readonly host: NodeFileHost;

  constructor(readonly path: string, options: QuotaStoreOptions = {}) {
    super();
    this.host = new NodeFileHost(path);
    this.core = call(() => wasm().QuotaStoreCore.openFile(path, options.maxHistory, options.maxEvents));
  }
}

export function createJsonQuotaStore(path: string, options?: QuotaStoreOptions): JsonQuotaStore {
  return new JsonQuotaStore(path, options);
}
