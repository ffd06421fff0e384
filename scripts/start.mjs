// `npm start`: install what is missing, build, then run `pie-storage serve --demo` on the default
// agent directory (a generated demo agent directory when it has no files, said plainly), which
// prints the page's URL and the token. `npm start -- --agent-dir D --port N` passes through.

import { join } from "node:path";
import { build } from "./build.mjs";
import { root, run } from "./lib.mjs";

build();
run(process.execPath, [join(root, "node-host", "dist", "cli", "main.js"), "serve", "--demo", ...process.argv.slice(2)]);
