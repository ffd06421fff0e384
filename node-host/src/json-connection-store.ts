// JsonProviderConnectionStore for Node: the core's store over a real file. Every mutation is one
// locked read-modify-write with an atomic replace; the file is created with mode 0600.

import {
  ProviderConnectionStoreBase,
  type ConnectionStoreCore,
  type ProviderConnectionStoreOptions,
} from "./connections.js";
import { NodeFileHost } from "./node-storage.js";
import { wasm } from "./wasm.js";

export class JsonProviderConnectionStore extends ProviderConnectionStoreBase {
  private readonly filePath: string;
  protected readonly core: ConnectionStoreCore;
  protected readonly host: NodeFileHost;

  constructor(filePath: string, options: ProviderConnectionStoreOptions = {}) {
    super();
    this.filePath = filePath;
    this.host = new NodeFileHost(filePath);
    const Core = wasm().ProviderConnectionStoreCore;
    this.core =
      options.fixedNowMs === undefined ? Core.openFile(filePath) : Core.openFileFixed(filePath, options.fixedNowMs);
  }

  get path(): string {
    return this.filePath;
  }
}

export function createJsonProviderConnectionStore(
  path: string,
  options?: ProviderConnectionStoreOptions,
): JsonProviderConnectionStore {
  return new JsonProviderConnectionStore(path, options);
}
