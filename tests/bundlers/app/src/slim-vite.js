// The slim entry in a Vite app: Vite emits the .wasm file and gives its URL (`?url`).

import * as slim from "@pie-lab/storage/slim";
import wasmUrl from "@pie-lab/storage/wasm?url";
import { computeSlim, show } from "./compute.js";

show(() => computeSlim(slim, wasmUrl));
