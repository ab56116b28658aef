// Copied into a function's asset folder and run there under plain node: loads hnswlib-node as the
// function ships it (from the folder's node_modules; nothing resolves from outside) and prints,
// for each pair of vectors on stdin, the distance its graph reports between them.
// stdin: {"space": "l2" | "ip", "dimension": n, "pairs": [[a, b], ...]}; stdout: [distance, ...].
const { readFileSync } = require("node:fs");
const { HierarchicalNSW } = require("hnswlib-node");

const { space, dimension, pairs } = JSON.parse(readFileSync(0, "utf8"));
const distances = pairs.map(([a, b]) => {
  const graph = new HierarchicalNSW(space, dimension);
  graph.initIndex(1);
  graph.addPoint(a, 0);
  return graph.searchKnn(b, 1).distances[0];
});
process.stdout.write(JSON.stringify(distances));
