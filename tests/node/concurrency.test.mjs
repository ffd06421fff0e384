// Several processes appending to one usage file: no line lost, none interleaved.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { createJsonlUsageStore } from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

function runWorker(path, tag, count) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "append-worker.mjs"), path, tag, String(count)], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker ${tag} exited with ${code}`))));
  });
}

test("4 processes x 250 appends: every line intact, none lost", async () => {
  const path = join(tempDir(), "usage.jsonl");
  const workers = 4;
  const each = 250;
  await Promise.all(Array.from({ length: workers }, (_, w) => runWorker(path, `w${w}`, each)));
  const lines = readFileSync(path, "utf8").split("\n");
  assert.equal(lines.pop(), "", "the file ends with a newline");
  assert.equal(lines.length, workers * each);
  const ids = new Set(lines.map((line) => JSON.parse(line).id));
  assert.equal(ids.size, workers * each);
  for (let w = 0; w < workers; w++) {
    for (let i = 0; i < each; i++) assert.ok(ids.has(`w${w}_${i}`));
  }
  const store = createJsonlUsageStore(path);
  assert.equal((await store.getUsageRecords()).length, workers * each);
  assert.deepEqual(store.getLastReadDiagnostics(), []);
});
