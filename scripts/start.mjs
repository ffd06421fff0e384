// `npm start`: install what is missing, build, then print the usage summary of the default
// usage file (or of a generated demo file when there is none).

import { join } from "node:path";
import { build } from "./build.mjs";
import { root, run } from "./lib.mjs";

build();
run(process.execPath, [join(root, "node-host", "dist", "cli.js"), ...process.argv.slice(2)]);
