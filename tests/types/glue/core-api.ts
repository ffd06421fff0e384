// `CoreApi` (node-host/src/core-api.ts), the hand-written declaration of what the package calls
// of the wasm core, against the glue wasm-bindgen generates (node-host/wasm/pie_storage_wasm.d.ts):
// the glue fits it (the package build checks this too, where wasm.ts assigns the glue), and every
// function, constructor and method has the glue's number of parameters. So a glue change the
// package does not follow fails here, while no published declaration imports the glue's.

import type * as glue from "../../../node-host/wasm/pie_storage_wasm.js";
import type { CoreApi, CoreOperation } from "../../../node-host/dist/core-api.js";
import type { WasmModule } from "../../../node-host/dist/wasm.js";
import type { Equal, Expect } from "../helpers.js";

type Glue = typeof glue;

declare const generated: Glue;
const _fits: CoreApi = generated;
type _Module = Expect<Equal<WasmModule, CoreApi>>;

type Arity<F> = F extends (...args: infer A) => unknown ? A["length"] : never;
type CtorArity<F> = F extends abstract new (...args: infer A) => unknown ? A["length"] : never;
/** The members of `Mine` whose parameter count differs from `Theirs` (or that `Theirs` lacks). */
type ArityMismatch<Mine, Theirs> = {
  [K in keyof Mine]: K extends keyof Theirs ? (Equal<Arity<Mine[K]>, Arity<Theirs[K]>> extends true ? never : K) : K;
}[keyof Mine];

type Classes = "UsageColumns" | "UsageJsonlSummarizer" | "JsonlUsageStoreCore";

type _Functions = Expect<Equal<ArityMismatch<CoreApi, Glue>, never>>;
type _Constructors = Expect<
  Equal<{ [C in Classes]: Equal<CtorArity<CoreApi[C]>, CtorArity<Glue[C]>> extends true ? never : C }[Classes], never>
>;
type _Methods = Expect<Equal<{ [C in Classes]: ArityMismatch<InstanceType<CoreApi[C]>, InstanceType<Glue[C]>> }[Classes], never>>;
type _Statics = Expect<Equal<ArityMismatch<CoreApi["ProviderConnectionStoreCore"], Glue["ProviderConnectionStoreCore"]>, never>>;
type _StoreMethods = Expect<
  Equal<ArityMismatch<ReturnType<CoreApi["ProviderConnectionStoreCore"]["inMemory"]>, glue.ProviderConnectionStoreCore>, never>
>;
type _OperationMethods = Expect<Equal<ArityMismatch<CoreOperation, glue.CoreOperation>, never>>;

// The glue's class parameters are the glue's instances, which CoreApi's constructors make.
type _ColumnsIn = Expect<Equal<Parameters<Glue["filterUsageColumns"]>[0], glue.UsageColumns>>;
const _columns: InstanceType<CoreApi["UsageColumns"]> = new generated.UsageColumns(1);
