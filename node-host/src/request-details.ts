// The request-details store for Node: the core's steps (core/src/details) over a folder of
// segments, every request awaited through `fs/promises`.

import { resolve } from "node:path";

import { CoreRequestDetailsStore, detailsOptionsText } from "./details-store.js";
import type { RequestDetailsOptions } from "./details-types.js";
import { NodeFileHost } from "./node-storage.js";
import { call, wasm } from "./wasm.js";

/** Request details in a folder (`<agentDir>/request-details` by default). */
export class FolderRequestDetailsStore extends CoreRequestDetailsStore {
  readonly folder: string;

  constructor(folder: string, options: RequestDetailsOptions = {}) {
    const json = detailsOptionsText(options);
    const absolute = resolve(folder);
    super(call(() => new (wasm().RequestDetailsStoreCore)(json)), new NodeFileHost(absolute));
    this.folder = absolute;
  }
}

/** A request-details store in `folder`, with `options` (defaults in {@link RequestDetailsOptions}). */
export function createRequestDetailsStore(folder: string, options?: RequestDetailsOptions): FolderRequestDetailsStore {
  return new FolderRequestDetailsStore(folder, options);
}
