// Vitest (default settings) importing the package; the suite compares what it wrote.

import { writeFileSync } from "node:fs";
import { expect, test } from "vitest";

import { createJsonlUsageStore, queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords } from "@pie-lab/storage";
import { compute } from "./compute.js";

test("the package under vitest", () => {
  expect(typeof createJsonlUsageStore).toBe("function");
  writeFileSync("vitest-result.json", JSON.stringify(compute({ queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords })));
});
