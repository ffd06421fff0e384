import { generateUsageRecords } from "./node-host/dist/demo.js";
import * as storage from "@pie-lab/storage";
import * as reference from "./tests/reference/usage-reference.mjs";
const recs = JSON.parse(JSON.stringify(generateUsageRecords(200000, 42)));
function t(label, f, n=5){ let best=1e9; let r; for(let i=0;i<n;i++){const s=performance.now(); r=f(); best=Math.min(best, performance.now()-s);} console.log(label, best.toFixed(1)); return r; }
t("ref summary", ()=>reference.summarizeUsageRecords(recs));
t("pkg summary", ()=>storage.summarizeUsageRecords(recs));
const q={provider:"anthropic", from:"2026-02-01T00:00:00.000Z"};
t("ref query", ()=>reference.queryUsageRecords(recs,q));
t("pkg query", ()=>storage.queryUsageRecords(recs,q));
t("ref recent", ()=>reference.queryUsageRecords(recs,{limit:100}), 3);
t("pkg recent", ()=>storage.queryUsageRecords(recs,{limit:100}));
