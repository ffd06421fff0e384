// A Node server's use of the package (the Node entry with its file store), to bundle for Node.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createJsonlUsageStore, queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords } from "@pie-lab/storage";
import { compute, records } from "./compute.js";

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "pie-bundled-server-"));
  try {
    const store = createJsonlUsageStore(join(dir, "usage.jsonl"));
    for (const record of records) await store.recordUsage(record);
    const result = {
      ...compute({ queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords }),
      store: await store.summarizeUsage(),
      storeAnthropic: await store.summarizeUsage({ provider: "anthropic" }),
      storeRecent: (await store.queryUsage({ limit: 3 })).map((record) => record.id),
    };
    console.log(JSON.stringify(result));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
