// One cold measurement for `npm run bench`, run in a fresh `node` process per sample:
//   node scripts/bench-cold.mjs <js|package|package-unsaved> <summary|recent|series> <usage.jsonl> <query JSON>
// Prints one JSON line: { ms, maxRssMb, result } where `ms` runs from the start of this script
// (before the library is imported) to having the result, and `maxRssMb` is the process's peak
// resident memory. `package-unsaved` opens the store without its saved index (first-ever open).

const start = performance.now();
const [side, task, path, queryJson] = process.argv.slice(2);
const query = JSON.parse(queryJson);

let result;
if (side === "js") {
  const reference = await import("../tests/reference/usage-reference.mjs");
  const records = reference.readUsageRecords(path);
  result =
    task === "summary"
      ? reference.summarizeUsageRecords(reference.queryUsageRecords(records, { ...query, limit: undefined }))
      : task === "series"
        ? reference.summarizeUsageByUtcDay(records, query)
        : reference.queryUsageRecords(records, query);
} else {
  const storage = await import("@pie-lab/storage");
  const store = storage.createJsonlUsageStore(path, { saveIndex: side !== "package-unsaved" });
  result =
    task === "summary"
      ? await store.summarizeUsage(query)
      : task === "series"
        ? await store.summarizeUsageByTime(query, { bucket: "day" })
        : await store.queryUsage(query);
}
const ms = performance.now() - start;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ ms, maxRssMb, result }) + "\n");
