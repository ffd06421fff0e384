import { generateUsageRecords } from "./node-host/dist/demo.js";
const recs = JSON.parse(JSON.stringify(generateUsageRecords(200000, 42)));
function t(label, f, n=5){ let best=1e9; let r; for(let i=0;i<n;i++){const s=performance.now(); r=f(); best=Math.min(best, performance.now()-s);} console.log(label, best.toFixed(1)); return r; }
t("alloc f64", ()=> new Float64Array(2000000));
t("ts push+join", ()=>{ const v=[]; const L=new Uint32Array(recs.length); for (let i=0;i<recs.length;i++){ const s=recs[i].timestamp; v.push(s); L[i]=s.length;} return v.join("").length; });
t("ts concat", ()=>{ let out=""; for (let i=0;i<recs.length;i++){ out += recs[i].timestamp;} return out.length; });
t("ts encodeInto", ()=>{ let out=""; for (let i=0;i<recs.length;i++){ out += recs[i].timestamp;} const b = new Uint8Array(out.length*3); return new TextEncoder().encodeInto(out,b).written; });
t("amount loop", ()=>{ const vals=new Float64Array(recs.length*10); let m=0; for (let i=0;i<recs.length;i++){ const r=recs[i]; const u=r.usage; if (u) { vals[i*10]=u.input; vals[i*10+1]=u.output; vals[i*10+2]=u.cacheRead; vals[i*10+3]=u.cacheWrite; vals[i*10+5]=u.totalTokens;} vals[i*10+6]=r.inputTokens; vals[i*10+7]=r.outputTokens; const c=r.cost; if(c) vals[i*10+8]=c.total; vals[i*10+9]=r.costUsd; } return vals; });
t("map lookups status", ()=>{ const m=new Map(); const ids=new Uint32Array(recs.length); for (let i=0;i<recs.length;i++){ const s=recs[i].status; let id=m.get(s); if(id===undefined){id=m.size+1;m.set(s,id);} ids[i]=id;} return ids; });
t("map lookups endpoint", ()=>{ const m=new Map(); const ids=new Uint32Array(recs.length); for (let i=0;i<recs.length;i++){ const s=recs[i].endpoint; let id=m.get(s); if(id===undefined){id=m.size+1;m.set(s,id);} ids[i]=id;} return ids; });
t("obj lookups endpoint", ()=>{ const m=Object.create(null); let n=0; const ids=new Uint32Array(recs.length); for (let i=0;i<recs.length;i++){ const s=recs[i].endpoint; let id=m[s]; if(id===undefined){id=++n;m[s]=id;} ids[i]=id;} return ids; });
