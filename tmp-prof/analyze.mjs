import { readFileSync } from "node:fs";

const prof = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
let total = 0;
const times = []; let acc = 0; for (const d of dt) { acc += d; times.push(acc); }
const lastUs = Number(process.argv[3] ?? 0) * 1e6; const from = lastUs ? acc - lastUs : 0;
prof.samples.forEach((id, i) => { if (times[i] < from) return;
  const n = byId.get(id);
  const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/node_modules/").pop().split("/work/main/").pop()}:${n.callFrame.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  total += dt[i] ?? 0;
});
const byFile = new Map();
for (const [k, v] of self) {
  const f = k.split(" ")[1].split(":")[0].split("/").slice(0, 2).join("/");
  byFile.set(f, (byFile.get(f) ?? 0) + v);
}
console.log("total ms", (total / 1000).toFixed(0));
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(((v / total) * 100).toFixed(1).padStart(5), k);
console.log("---");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
  console.log(((v / total) * 100).toFixed(1).padStart(5), k);
