// `npm start`: install what is missing, build, then print the usage summary of the default
// usage file (`pie-storage usage summary`), or of a generated demo file when there is none
// (the CLI itself never invents data: a missing file is exit 3 there).

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "./build.mjs";
import { root, run } from "./lib.mjs";

build();
const dist = join(root, "node-host", "dist");
const cli = join(dist, "cli", "main.js");
const args = process.argv.slice(2);
if (args.length > 0) {
  run(process.execPath, [cli, "usage", "summary", "--file", ...args]);
} else {
  const { getDefaultUsageFilePath } = await import(pathToFileURL(join(dist, "index.js")).href);
  let file = getDefaultUsageFilePath();
  if (!existsSync(file)) {
    const { generateUsageRecords, toJsonl } = await import(pathToFileURL(join(dist, "demo.js")).href);
    const dir = join(tmpdir(), "pie-storage-demo");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const demo = join(dir, "usage.jsonl");
    writeFileSync(demo, toJsonl(generateUsageRecords(5000, 7)), { mode: 0o600 });
    console.log(`${file} does not exist: summarizing a generated demo file ${demo} (5,000 records)\n`);
    file = demo;
  }
  run(process.execPath, [cli, "usage", "summary", "--file", file]);
}
