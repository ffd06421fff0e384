// A Cloudflare Worker on the slim entry: the .wasm file imported as a compiled module (how
// Workers bundlers import a .wasm file) and given to init().

import * as slim from "@pie-lab/storage/slim";
import wasm from "@pie-lab/storage/wasm";
import { computeSlim } from "./compute.js";

export default {
  async fetch() {
    return Response.json(await computeSlim(slim, wasm));
  },
};
