import { generateUsageRecords } from "./node-host/dist/demo.js";
import "@pie-lab/storage";
import { encodeSummaryColumns } from "./node-host/dist/columns.js";
import { wasm } from "./node-host/dist/wasm.js";
import * as reference from "./tests/reference/usage-reference.mjs";
const recs = JSON.parse(JSON.stringify(generateUsageRecords(200000, 42)));
function t(label, f, n=7){ const all=[]; let r; for(let i=0;i<n;i++){const s=performance.now(); r=f(); all.push(performance.now()-s);} all.sort((a,b)=>a-b); console.log(label, all[Math.floor(n/2)].toFixed(1)); return r; }
t("ref", ()=>reference.summarizeUsageRecords(recs));
t("encode", ()=>encodeSummaryColumns(recs).free());
const c = encodeSummaryColumns(recs);
t("wasm", ()=>wasm().summarizeUsageColumns(c));
// pure JS part without wasm: replicate the loop
function dict(){ const idx=Object.create(null); const vals=[]; const ids=new Uint32Array(recs.length); return {ids, add(r,v){ if(typeof v!=="string")return; let id=idx[v]; if(id===undefined){vals.push(v); id=vals.length; idx[v]=id;} ids[r]=id; }}; }
t("js loop only", ()=>{ const a=dict(),b=dict(),cc=dict(),d=dict(),e=dict(); const vals=new Float64Array(recs.length*10); const pres=new Uint16Array(recs.length);
 for (let i=0;i<recs.length;i++){ const r=recs[i]; const s=r.status; a.ids[i] = s==="success"?1:s==="error"?2:3; b.add(i,r.resolvedProvider); cc.add(i,r.resolvedModel); d.add(i,r.endpoint); e.add(i,r.clientOrigin); const u=r.usage; let m=0; if(u){ vals[i*10]=u.input; vals[i*10+1]=u.output; vals[i*10+2]=u.cacheRead; vals[i*10+3]=u.cacheWrite; vals[i*10+5]=u.totalTokens; m=0x2f;} vals[i*10+6]=r.inputTokens; vals[i*10+7]=r.outputTokens; const c=r.cost; if(c) vals[i*10+8]=c.total; vals[i*10+9]=r.costUsd; pres[i]=m|0x3c0; } });
