import { generateUsageRecords } from "./node-host/dist/demo.js";
const recs = JSON.parse(JSON.stringify(generateUsageRecords(200000, 42)));
function t(label, f, n=7){ const all=[]; let r; for(let i=0;i<n;i++){const s=performance.now(); r=f(); all.push(performance.now()-s);} console.log(label, all.map(x=>x.toFixed(0)).join(" ")); return r; }
function mk(kind){ const m = kind==="map" ? new Map() : Object.create(null); const vals=[]; const ids=new Uint32Array(recs.length);
  return { ids, add(row, s){ if (typeof s !== "string") return; 
     if (kind==="scan") { for (let k=0;k<vals.length;k++) if (vals[k]===s) { ids[row]=k+1; return; } }
     let id = kind==="map" ? m.get(s) : m[s]; if (id===undefined){ vals.push(s); id=vals.length; if (kind==="map") m.set(s,id); else m[s]=id; } ids[row]=id; } }; }
for (const kind of ["map","obj","scan"]) {
  const data = JSON.parse(JSON.stringify(recs)); // fresh (cold) strings each kind
  t(kind, ()=>{ const a=mk(kind),b=mk(kind),c=mk(kind),d=mk(kind),e=mk(kind); for (let i=0;i<data.length;i++){ const r=data[i]; a.add(i,r.status); b.add(i,r.resolvedProvider); c.add(i,r.resolvedModel); d.add(i,r.endpoint); e.add(i,r.clientOrigin);} });
}
