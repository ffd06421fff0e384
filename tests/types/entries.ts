// The Node condition of "@pie-lab/storage" (this project resolves like Node: NodeNext) gives
// the Node entry's declarations, with the file stores; "@pie-lab/storage/browser" does not.
// (The slim entry, for runtimes with `WebAssembly`, is checked in the browser project: @types/node
// 20 declares no `WebAssembly`.)

import * as node from "@pie-lab/storage";
import * as browser from "@pie-lab/storage/browser";
import type { Equal, Expect } from "./helpers.js";

type NodeOnly =
  | "JsonlUsageStore"
  | "createJsonlUsageStore"
  | "JsonProviderConnectionStore"
  | "createJsonProviderConnectionStore"
  | "getDefaultUsageFilePath"
  | "getDefaultProviderConnectionFilePath"
  | "savedUsageIndexPath";

// The Node entry is the browser entry plus exactly the Node-only exports.
type _NodeEntry = Expect<Equal<Exclude<keyof typeof node, keyof typeof browser>, NodeOnly>>;
type _BrowserInNode = Expect<Equal<Exclude<keyof typeof browser, keyof typeof node>, never>>;

const store = node.createJsonlUsageStore("/tmp/usage.jsonl", { saveIndex: false });
const path: string = node.getDefaultProviderConnectionFilePath({ PIE_CODING_AGENT_DIR: "/tmp/agent" }, "/home/me");
void store;
void path;

// @ts-expect-error the browser entry has no file stores
import { JsonlUsageStore } from "@pie-lab/storage/browser";
void JsonlUsageStore;
