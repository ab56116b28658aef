import { readFileSync } from "node:fs";
import { seededRandom } from "../../src/domain/seeded-random";

// hnswlib-node is built with patches/hnswlib-node+3.0.0+002+avx-kernels.patch (applied by
// `postinstall`): on an x86-64 CPU with AVX it computes distances with hnswlib's 8-lane AVX
// kernels, elsewhere on x86-64 with the 4-lane SSE ones (the published build's, always), and on
// other CPUs with a plain loop. A float sum depends on its order, so the distance an addon
// returns for a well-chosen pair of vectors tells which kernel computed it.

/** Vector length of the pairs: a multiple of 16, so the SIMD16 kernels run with no remainder. */
export const KERNEL_DIMENSION = 32;

/** hnswlib's spaces whose kernels the patch builds: `l2` and inner product (`ip`, cosine's). */
export type KernelSpace = "l2" | "ip";

/** Lanes of the kernel an addon built with the patch uses on this machine. */
export function expectedLanes(): number {
  if (process.arch !== "x64") return 1;
  return /^flags\s*:.*\bavx\b/m.test(readFileSync("/proc/cpuinfo", "utf8")) ? 8 : 4;
}

/**
 * hnswlib's SIMD16 sum of `term(i)` in 32-bit floats: element i added to lane i % lanes, then the
 * lanes added left to right (lanes = 1: the plain loop).
 */
function laneSum(lanes: number, term: (i: number) => number): number {
  const acc = new Float32Array(lanes);
  for (let i = 0; i < KERNEL_DIMENSION; i++) {
    acc[i % lanes] = (acc[i % lanes] as number) + term(i);
  }
  let sum = acc[0] as number;
  for (let j = 1; j < lanes; j++) sum = Math.fround(sum + (acc[j] as number));
  return sum;
}

/** The distance hnswlib's `lanes`-lane kernel computes between `a` and `b` in `space`. */
export function kernelDistance(
  space: KernelSpace,
  lanes: number,
  a: Float32Array,
  b: Float32Array,
): number {
  if (space === "l2") {
    return laneSum(lanes, (i) => {
      const d = Math.fround((a[i] as number) - (b[i] as number));
      return Math.fround(d * d);
    });
  }
  return Math.fround(1 - laneSum(lanes, (i) => Math.fround((a[i] as number) * (b[i] as number))));
}

/**
 * `count` pairs of random vectors whose distance in `space` comes out different under each of
 * the 1-, 4- and 8-lane kernels: an addon's distance for them names its kernel.
 */
export function tellingPairs(space: KernelSpace, count: number): [Float32Array, Float32Array][] {
  const random = seededRandom(5);
  const vector = () => Float32Array.from({ length: KERNEL_DIMENSION }, () => random() * 2 - 1);
  const pairs: [Float32Array, Float32Array][] = [];
  while (pairs.length < count) {
    const [a, b] = [vector(), vector()];
    if (new Set([1, 4, 8].map((lanes) => kernelDistance(space, lanes, a, b))).size === 3) {
      pairs.push([a, b]);
    }
  }
  return pairs;
}
