// The slim entry in a page, given the URL the .wasm file is served at.

import * as slim from "@pie-lab/storage/slim";
import { computeSlim, show } from "./compute.js";

show(() => computeSlim(slim, new URL("/pie_storage_wasm_bg.wasm", location.href)));
