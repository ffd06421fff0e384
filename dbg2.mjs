import { generateUsageRecords } from "./node-host/dist/demo.js";
import "@pie-lab/storage";
import { encodeColumns, encodeSummaryColumns } from "./node-host/dist/columns.js";
import { wasm } from "./node-host/dist/wasm.js";
const recs = JSON.parse(JSON.stringify(generateUsageRecords(200000, 42)));
function t(label, f, n=7){ let best=1e9; let r; for(let i=0;i<n;i++){const s=performance.now(); r=f(); best=Math.min(best, performance.now()-s);} console.log(label, best.toFixed(1)); return r; }
t("encode summary cols", ()=>encodeSummaryColumns(recs).free());
const c = encodeSummaryColumns(recs);
t("wasm summarize", ()=>wasm().summarizeUsageColumns(c));
t("provider cols", ()=>encodeColumns(recs,["resolvedProvider"]).free());
const pc = encodeColumns(recs,["resolvedProvider"]);
const q = {provider:"anthropic", from:"2026-02-01T00:00:00.000Z"};
const cand = t("wasm filter", ()=>wasm().filterUsageColumns(pc, q));
t("ts cols cand", ()=>encodeColumns(recs,["timestamp"], cand).free());
const tc = encodeColumns(recs,["timestamp"], cand);
t("wasm order", ()=>wasm().orderUsageColumns(tc, q));
t("ts cols all", ()=>encodeColumns(recs,["timestamp"]).free());
const ta = encodeColumns(recs,["timestamp"]);
t("wasm order all limit100", ()=>wasm().orderUsageColumns(ta, {limit:100}));
