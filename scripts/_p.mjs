import { readFileSync } from "node:fs";
const s = await import("@pie-lab/storage");
const bytes = readFileSync("/tmp/pie-storage-bench/usage-200000.jsonl");
const q = { provider: "anthropic", from: "2026-01-12T00:00:00.000Z" };
for (let i = 0; i < 3; i++) s.summarizeUsageJsonl(bytes, q);
