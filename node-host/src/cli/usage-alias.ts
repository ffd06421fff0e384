#!/usr/bin/env node
// `pie-storage-usage [file] [flags]`: the old command, now `pie-storage usage summary [--file F]`.
// A missing file is an error (exit 3); there is no demo fallback any more.

import { run } from "./main.js";

const args = process.argv.slice(2);
const file = args.length > 0 && !args[0].startsWith("-") ? 0 : -1;
const argv = file === -1 ? args : [...args.slice(0, file), "--file", args[file], ...args.slice(file + 1)];
run(["usage", "summary", ...argv]).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`pie-storage-usage: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  },
);
