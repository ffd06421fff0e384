// @pie-lab/storage for browsers and workers: pure functions, the in-memory stores and JSONL
// summaries. The wasm core is compiled from the bundled bytes at the first call, so no bundler
// plugin, asset URL or top-level await is needed. Runtimes that forbid compiling wasm from
// bytes use "@pie-lab/storage/slim" and `init()` instead.

import bytes from "../wasm/pie_storage_wasm_bytes.js";
import { base64Bytes, setDefaultWasmSource } from "./wasm.js";

setDefaultWasmSource(() => base64Bytes(bytes));

export * from "./portable.js";
