// Child process for the concurrency test: appends `count` records tagged with `tag`.
import { createJsonlUsageStore } from "@pie-lab/storage";
import { usageRecord } from "./helpers.mjs";

const [path, tag, count] = process.argv.slice(2);
const store = createJsonlUsageStore(path);
const padding = "x".repeat(2000); // long lines make interleaving visible if it ever happened
for (let i = 0; i < Number(count); i++) {
  await store.recordUsage(usageRecord({ id: `${tag}_${i}`, errorMessage: padding }));
}
