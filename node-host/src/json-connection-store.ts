// JsonProviderConnectionStore for Node: the core's store over a real file. Every mutation is one
// locked read-modify-write with an atomic replace; the file is created with mode 0600.

import {
  ProviderConnectionStoreBase,
  type ConnectionStoreCore,
  type ProviderConnectionStoreOptions,
} from "./connections.js";
import { NodeFileStorage } from "./node-storage.js";
import { wasm } from "./wasm.js";

export class JsonProviderConnectionStore extends ProviderConnectionStoreBase {
  private readonly filePath: string;
  protected readonly core: ConnectionStoreCore;

  constructor(filePath: string, options: ProviderConnectionStoreOptions = {}) {
    super();
    this.filePath = filePath;
    const storage = new NodeFileStorage(filePath);
    const Core = wasm().ProviderConnectionStoreCore;
    this.core =
      options.fixedNowMs === undefined ? Core.openFile(storage) : Core.openFileFixed(storage, options.fixedNowMs);
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
