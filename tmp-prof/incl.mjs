import { readFileSync } from "node:fs";
const prof = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = prof.timeDeltas; const times = []; let acc = 0; for (const d of dt) { acc += d; times.push(acc); }
const from = acc - Number(process.argv[3]) * 1e6;
const incl = new Map(); let total = 0;
prof.samples.forEach((id, i) => {
  if (times[i] < from) return; total += dt[i];
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur); const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/node_modules/").pop().split("/work/main/").pop()}:${n.callFrame.lineNumber}`;
    if (seen.has(key)) continue; seen.add(key); incl.set(key, (incl.get(key) ?? 0) + dt[i]);
  }
});
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[4] ?? 60))) console.log((v / total * 100).toFixed(1).padStart(5), k);
