import hnswlib from "hnswlib-node";
import { describe, expect, it } from "vitest";
import {
  expectedLanes,
  KERNEL_DIMENSION,
  type KernelSpace,
  kernelDistance,
  tellingPairs,
} from "../support/hnsw-kernels";

/** The distance the installed addon's graph reports between `a` (stored) and `b` (the query). */
function addonDistance(space: KernelSpace, a: Float32Array, b: Float32Array): number {
  const graph = new hnswlib.HierarchicalNSW(space, KERNEL_DIMENSION);
  graph.initIndex(1);
  graph.addPoint(Array.from(a), 0);
  return graph.searchKnn(Array.from(b), 1).distances[0] as number;
}

describe("hnswlib-node's distance kernels (patches/…+002+avx-kernels.patch)", () => {
  it.each(["l2", "ip"] as const)(
    "computes %s distances with the kernel this CPU supports: 8-lane AVX on x86-64 with AVX",
    (space) => {
      const lanes = expectedLanes();
      for (const [a, b] of tellingPairs(space, 50)) {
        expect(addonDistance(space, a, b)).toBe(kernelDistance(space, lanes, a, b));
      }
    },
  );
});
