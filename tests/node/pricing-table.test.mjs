// The committed base price table is what scripts/prices.mjs makes from the pinned
// @pydantic/genai-prices tarball. The re-conversion runs when that tarball is available offline
// (PIE_GENAI_PRICES_TGZ, or npm's cache); the pin itself is always checked.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { getPriceTableInfo } from "@pie-lab/storage";
import { tempDir } from "./helpers.mjs";

const root = join(import.meta.dirname, "..", "..");
const tablePath = join(root, "core/src/pricing/base-table.json");
const script = join(root, "scripts/prices.mjs");

test("the committed table, the script's pin and the API name the same release", () => {
  const table = JSON.parse(readFileSync(tablePath, "utf8"));
  const source = readFileSync(script, "utf8");
  assert.ok(source.includes(`version: '${table.version}'`));
  assert.ok(source.includes(`'${table.integrity}'`));
  const { source: id, version, integrity } = getPriceTableInfo();
  assert.deepEqual({ id, version, integrity }, { id: table.source, version: table.version, integrity: table.integrity });
});

function offlineTarball(version) {
  if (process.env.PIE_GENAI_PRICES_TGZ) return process.env.PIE_GENAI_PRICES_TGZ;
  const dir = tempDir("pie-prices-pack");
  try {
    execFileSync("npm", ["pack", `@pydantic/genai-prices@${version}`, "--offline", "--pack-destination", dir], { stdio: "ignore" });
  } catch {
    return null;
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  return file ? join(dir, file) : null;
}

test("the committed table equals a re-conversion of the pinned tarball", (t) => {
  const { version } = JSON.parse(readFileSync(tablePath, "utf8"));
  const tgz = offlineTarball(version);
  if (!tgz) return t.skip("the pinned tarball is not available offline");
  const out = join(tempDir("pie-prices-out"), "base-table.json");
  execFileSync(process.execPath, [script, tgz], { env: { ...process.env, PIE_PRICES_OUT: out }, stdio: "ignore" });
  assert.equal(readFileSync(out, "utf8"), readFileSync(tablePath, "utf8"));
});
