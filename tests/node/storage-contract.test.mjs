// The storage contract (tests/vectors/contract/storage.json) against the Node host: what the
// stores do to the file system (symbolic links, temporary files, modes). The Rust suite
// (core/tests/storage_contract.rs) runs the same cases against the native host.

import assert from "node:assert/strict";
import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { createJsonProviderConnectionStore, createJsonlUsageStore } from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const contract = JSON.parse(readFileSync(join(here, "../vectors/contract/storage.json"), "utf8"));

/** A valid usage line (the same template the Rust runner writes). */
function usageLine(i) {
  return `{"id":"u${i}","requestId":"r","timestamp":"2026-05-22T00:00:00.000Z","requestedModel":"m","routingMode":"fixed","resolvedProvider":"p","resolvedModel":"m","attemptIndex":0,"attemptCount":1,"status":"success"}\n`;
}

function setup(root, step) {
  const at = (v) => join(root, v.path);
  const parent = (p) => mkdirSync(dirname(p), { recursive: true });
  if (step.write) {
    const p = at(step.write);
    parent(p);
    writeFileSync(p, step.write.text);
    if (step.write.mode !== undefined) chmodSync(p, step.write.mode);
  } else if (step.symlink) {
    const p = at(step.symlink);
    parent(p);
    symlinkSync(step.symlink.target, p);
  } else if (step.usage) {
    const p = at(step.usage);
    parent(p);
    writeFileSync(p, Array.from({ length: step.usage.records }, (_, i) => usageLine(i)).join(""));
  } else {
    throw new Error(`unknown setup step ${JSON.stringify(step)}`);
  }
}

/** A valid usage record with `id` (the same template as the lines above). */
function usageRecord(id) {
  return { ...JSON.parse(usageLine(0)), id };
}

/** One step of a case's run; `stores` keeps one store per path across the steps. */
async function run(root, step, stores) {
  const store = (path, create) => {
    if (!stores.has(path)) stores.set(path, create(join(root, path)));
    return stores.get(path);
  };
  if (step.createProviderConnection) {
    const c = step.createProviderConnection;
    await store(c.path, createJsonProviderConnectionStore).createProviderConnection(c.data);
  } else if (step.summarizeUsage) {
    const s = step.summarizeUsage;
    const summary = await store(s.path, createJsonlUsageStore).summarizeUsage({});
    if (s.records !== undefined) assert.equal(summary.records, s.records, `summary of ${s.path}`);
  } else if (step.recordUsage) {
    const r = step.recordUsage;
    await store(r.path, createJsonlUsageStore).recordUsage(usageRecord(r.id));
  } else if (step.move) {
    renameSync(join(root, step.move.from), join(root, step.move.to));
  } else {
    setup(root, step);
  }
}

function check(root, name, expect) {
  const at = (v) => join(root, v.path);
  if (expect.symlink) {
    assert.equal(readlinkSync(at(expect.symlink)), expect.symlink.target, `${name}: link kept`);
  } else if (expect.file) {
    const p = at(expect.file);
    assert.ok(lstatSync(p).isFile(), `${name}: ${p} is a plain file`);
    const text = readFileSync(p, "utf8");
    if (expect.file.contains !== undefined) assert.ok(text.includes(expect.file.contains), `${name}: ${p} contains ${expect.file.contains}`);
    if (expect.file.lacks !== undefined) assert.ok(!text.includes(expect.file.lacks), `${name}: ${p} lacks ${expect.file.lacks}`);
    if (expect.file.equals !== undefined) assert.equal(text, expect.file.equals, `${name}: ${p}`);
    if (expect.file.mode !== undefined) assert.equal(statSync(p).mode & 0o777, expect.file.mode, `${name}: mode of ${p}`);
  } else if (expect.folder) {
    const p = at(expect.folder);
    assert.ok(statSync(p).isDirectory(), `${name}: ${p} is a folder`);
    assert.equal(statSync(p).mode & 0o777, expect.folder.mode, `${name}: mode of ${p}`);
  } else if (expect.absent) {
    assert.throws(() => lstatSync(at(expect.absent)), { code: "ENOENT" }, `${name}: ${expect.absent.path} must not exist`);
  } else {
    throw new Error(`unknown expectation ${JSON.stringify(expect)}`);
  }
}

for (const c of contract.cases) {
  test(`storage contract: ${c.name}`, { skip: process.platform === "win32" }, async () => {
    const root = tempDir("pie-contract-");
    for (const step of c.setup) setup(root, step);
    const stores = new Map();
    for (const step of [c.run].flat()) await run(root, step, stores);
    for (const expect of c.expect) check(root, c.name, expect);
  });
}
