// JsonProviderConnectionStore for Node: the core's store over a real file. Every mutation is one
// locked read-modify-write with an atomic replace; the file is created with mode 0600.

import { ProviderConnectionStoreBase, type ConnectionStoreCore } from "./connections.js";
import { NodeFileStorage } from "./node-storage.js";
import { wasm } from "./wasm.js";

export class JsonProviderConnectionStore extends ProviderConnectionStoreBase {
  private readonly filePath: string;
  protected readonly core: ConnectionStoreCore;

  constructor(filePath: string) {
    super();
    this.filePath = filePath;
    this.core = wasm().ProviderConnectionStoreCore.openFile(new NodeFileStorage(filePath));
  }

  get path(): string {
    return this.filePath;
  }
}

export function createJsonProviderConnectionStore(path: string): JsonProviderConnectionStore {
  return new JsonProviderConnectionStore(path);
}
