// A Cloudflare Worker on the default entry: Workers forbid compiling wasm from bytes, so the first
// call fails with a catchable PIE_WASM_LOAD_FAILED that names the slim entry.

import { queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords } from "@pie-lab/storage";
import { compute } from "./compute.js";

export default {
  fetch() {
    try {
      return Response.json(compute({ queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords }));
    } catch (error) {
      return Response.json({ code: error.code, message: error.message });
    }
  },
};
