// One cold request-details measurement for `npm run bench`, in a fresh `node` process:
//   node scripts/bench-details-cold.mjs <js|package> <page|detail> <path> <query or id JSON>
// Prints { ms, maxRssMb, result }: `ms` from the start of this script (before the library is
// imported) to having the answer; `result` is comparable between the two sides.

const start = performance.now();
const [side, task, path, argJson] = process.argv.slice(2);
const arg = JSON.parse(argJson);
const { DETAILS_OPTIONS, plainDetail, plainPage } = await import("./bench-details.mjs");

let result;
if (side === "js") {
  if (task === "page") {
    const page = plainPage(path, arg);
    result = { ids: page.details.map((d) => d.id), totalItems: page.totalItems };
  } else result = plainDetail(path, arg);
} else {
  const storage = await import("@pie-lab/storage");
  const store = storage.createRequestDetailsStore(path, DETAILS_OPTIONS);
  if (task === "page") {
    const page = await store.getRequestDetails(arg);
    result = { ids: page.details.map((d) => d.id), totalItems: page.pagination.totalItems };
  } else result = await store.getRequestDetail(arg);
}
const ms = performance.now() - start;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ ms, maxRssMb, result }) + "\n");
