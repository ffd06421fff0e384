import { generateUsageRecords } from "./node-host/dist/demo.js";
const recs = JSON.parse(JSON.stringify(generateUsageRecords(200000, 42)));
function t(label, f, n=7){ let best=1e9; let r; for(let i=0;i<n;i++){const s=performance.now(); r=f(); best=Math.min(best, performance.now()-s);} console.log(label, best.toFixed(1)); return r; }
t("4 map get only", ()=>{ const a=new Map(),b=new Map(),c=new Map(),d=new Map(); let x=0; for (const r of recs){ if(a.get(r.resolvedProvider))x++; if(b.get(r.resolvedModel))x++; if(c.get(r.endpoint ?? "unknown"))x++; if(d.get(r.clientOrigin ?? "unknown"))x++; } return x; });
t("4 obj get only", ()=>{ const a={},b={},c={},d={}; let x=0; for (const r of recs){ if(a[r.resolvedProvider])x++; if(b[r.resolvedModel])x++; if(c[r.endpoint ?? "unknown"])x++; if(d[r.clientOrigin ?? "unknown"])x++; } return x; });
t("field reads only", ()=>{ let x=0; for (const r of recs){ x += r.resolvedProvider.length + r.resolvedModel.length + r.endpoint.length + r.clientOrigin.length + r.status.length; } return x; });
t("amount reads only", ()=>{ let x=0; for (const r of recs){ x += (r.usage?.input ?? 0) + (r.usage?.output ?? 0) + (r.cost?.total ?? 0) + (r.costUsd ?? 0) + (r.inputTokens??0); } return x; });
