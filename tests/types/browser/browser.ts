// A browser project's view of the package: "@pie-lab/storage" resolves to the browser entry
// (the "browser" condition), the same declarations as "@pie-lab/storage/browser", without the
// Node-only exports; "@pie-lab/storage/slim" adds init().

import * as main from "@pie-lab/storage";
import * as browser from "@pie-lab/storage/browser";
import {
  createInMemoryProviderConnectionStore,
  parseUsageJsonl,
  summarizeUsageJsonl,
  type ProviderConnectionSummary,
  type UsageSummary,
} from "@pie-lab/storage";
import * as slim from "@pie-lab/storage/slim";
import { init, initSync, type WasmInput } from "@pie-lab/storage/slim";

/** `true` when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type _SameEntry = Expect<Equal<typeof main, typeof browser>>;
// The slim entry is the browser entry plus init()/initSync() (and the types they take).
type _SlimEntry = Expect<Equal<Exclude<keyof typeof slim, keyof typeof browser>, "init" | "initSync">>;
type _NoNodeExports = Expect<
  Equal<
    Extract<
      keyof typeof main,
      | "JsonlUsageStore"
      | "createJsonlUsageStore"
      | "JsonProviderConnectionStore"
      | "createJsonProviderConnectionStore"
      | "getDefaultUsageFilePath"
      | "getDefaultProviderConnectionFilePath"
      | "savedUsageIndexPath"
    >,
    never
  >
>;

// @ts-expect-error the file stores are Node-only
import { JsonlUsageStore } from "@pie-lab/storage";
// @ts-expect-error default paths are Node-only
import { getDefaultUsageFilePath } from "@pie-lab/storage/browser";
void JsonlUsageStore;
void getDefaultUsageFilePath;

export async function dashboard(response: Response): Promise<UsageSummary> {
  const fromStream = await summarizeUsageJsonl(response.body!, { order: "desc", from: new Date(0) });
  const { records, diagnostics } = parseUsageJsonl("{}\n");
  void records;
  void diagnostics;
  return fromStream;
}

export async function accounts(): Promise<ProviderConnectionSummary[]> {
  const store = createInMemoryProviderConnectionStore(undefined, { fixedNowMs: 0 });
  const conn = await store.createProviderConnection({ provider: "openai", priority: 1 });
  // exactOptionalPropertyTypes: `undefined` still deletes a key on update and resets a setting.
  await store.updateProviderConnection(conn.id, { lastError: undefined, priority: null });
  await store.updateSettings({ rtkEnabled: undefined });
  // @ts-expect-error isActive is a boolean
  await store.updateProviderConnection(conn.id, { isActive: "yes" });
  return (await store.getProviderConnections()).map(main.toProviderConnectionSummary);
}

export async function edge(wasm: WebAssembly.Module, url: URL): Promise<void> {
  initSync(wasm);
  const input: WasmInput = fetch(url);
  await init(input);
}
