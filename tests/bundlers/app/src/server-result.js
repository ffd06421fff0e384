// What a Node server computes with the package (the Node entry with its file store): printed by
// server.js, answered by the Next.js route handler.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createJsonlUsageStore, queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords } from "@pie-lab/storage";
import { compute, records } from "./compute.js";

export async function serverResult() {
  const dir = await mkdtemp(join(tmpdir(), "pie-bundled-server-"));
  try {
    const store = createJsonlUsageStore(join(dir, "usage.jsonl"));
    for (const record of records) await store.recordUsage(record);
    return {
      ...compute({ queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords }),
      store: await store.summarizeUsage(),
      storeAnthropic: await store.summarizeUsage({ provider: "anthropic" }),
      storeRecent: (await store.queryUsage({ limit: 3 })).map((record) => record.id),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
