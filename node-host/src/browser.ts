// @pie-lab/storage for browsers: pure functions, the in-memory store and JSONL summaries.
// The wasm file is located relative to this module, so no bundler plugin is needed.

import init, * as web from "../wasm/web/pie_storage_wasm.js";

import { useCoreColumnLayout } from "./columns.js";
import { installWasm, type WasmModule } from "./wasm.js";

await init({ module_or_path: new URL("../wasm/web/pie_storage_wasm_bg.wasm", import.meta.url) });
installWasm(web as unknown as WasmModule);
useCoreColumnLayout();

export * from "./portable.js";
