import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanKernelBinary } from "../../scripts/wasm-files";
import { exactTopK, exactTopKScalar, inverseNorms } from "../../src/domain/exact-search";
import type { Metric } from "../../src/domain/metric";
import { type KernelOp, scanRows, simdScansAvailable } from "../../src/domain/scan-kernel";
import { SCAN_KERNEL_BASE64 } from "../../src/domain/scan-kernel-wasm";
import { prepareQuery } from "../../src/domain/vector-math";

/** The kernel's value for one row, in 64-bit floats, and the scale of its rounding error. */
function reference(op: KernelOp, row: Float32Array, query: Float32Array) {
  let value = 0;
  let magnitude = 0;
  for (let j = 0; j < row.length; j++) {
    const term =
      op === "l2"
        ? ((row[j] as number) - (query[j] as number)) ** 2
        : (row[j] as number) * (query[j] as number);
    value += term;
    magnitude += Math.abs(term);
  }
  return { value, magnitude };
}

/** Every value a scan hands out, by row (each row must come exactly once). */
function scanned(
  data: Float32Array,
  dimension: number,
  rows: number,
  op: KernelOp,
  query: Float32Array,
  memory: { mirrorMaxBytes?: number; blockBytes?: number },
): number[] {
  const values: (number | undefined)[] = new Array(rows);
  const ran = scanRows(
    data,
    dimension,
    rows,
    op,
    query,
    (first, block) => {
      block.forEach((v, i) => {
        expect(values[first + i]).toBeUndefined();
        values[first + i] = v;
      });
    },
    memory,
  );
  expect(ran).toBe(true);
  return values.map((v) => v as number);
}

const vectors = (rows: number, dimension: number) =>
  fc.float32Array({
    minLength: rows * dimension,
    maxLength: rows * dimension,
    noNaN: true,
    noDefaultInfinity: true,
    min: -100,
    max: 100,
  });

describe("the exact-scan kernel", () => {
  it("is the compiled form of its source, scan-kernel.wat (run `npm run wasm` after editing it)", async () => {
    const committed = Buffer.from(SCAN_KERNEL_BASE64, "base64");
    expect(Buffer.from(await scanKernelBinary()).equals(committed)).toBe(true);
  });

  it("runs on WebAssembly SIMD here, so these tests exercise it rather than the fallback", () => {
    expect(simdScansAvailable()).toBe(true);
  });

  for (const [path, memory] of [
    ["mirrored", {}],
    ["streamed through a block of 3 rows", { mirrorMaxBytes: 0, blockBytes: 1 }],
  ] as const) {
    it(`computes l2 and dot for every row, any dimension, ${path}`, () => {
      const cases = fc
        .tuple(fc.integer({ min: 1, max: 37 }), fc.integer({ min: 0, max: 20 }))
        .chain(([dimension, rows]) =>
          fc.record({
            dimension: fc.constant(dimension),
            rows: fc.constant(rows),
            op: fc.constantFrom<KernelOp>("l2", "dot"),
            data: vectors(rows, dimension),
            query: vectors(1, dimension),
          }),
        );
      fc.assert(
        fc.property(cases, ({ dimension, rows, op, data, query }) => {
          const blockBytes = "blockBytes" in memory ? 3 * dimension * 4 : undefined;
          const got = scanned(data, dimension, rows, op, query, {
            ...memory,
            ...(blockBytes ? { blockBytes } : {}),
          });
          got.forEach((v, r) => {
            const want = reference(op, data.subarray(r * dimension, (r + 1) * dimension), query);
            // 32-bit accumulation: off by a few float32 ulps of the terms' magnitude at most.
            expect(Math.abs(v - want.value)).toBeLessThanOrEqual(want.magnitude * 1e-5 + 1e-30);
          });
        }),
        { numRuns: 150 },
      );
    });
  }

  it("sees a new array's values, never a mirror of another with the same length", () => {
    const a = new Float32Array([1, 2, 3, 4]);
    const b = new Float32Array([5, 6, 7, 8]);
    const q = new Float32Array([0, 0]);
    expect(scanned(a, 2, 2, "l2", q, {})).toEqual([5, 25]);
    expect(scanned(b, 2, 2, "l2", q, {})).toEqual([61, 113]);
  });
});

describe("exactTopK on the kernel", () => {
  for (const metric of ["l2", "cosine", "ip"] as const satisfies Metric[]) {
    it(`finds the scalar scan's neighbors for ${metric}, with an excluded row and a filter`, () => {
      let s = 11;
      const next = () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 2 ** 32 - 0.5;
      };
      for (const dimension of [3, 8, 29, 784]) {
        const rows = 400;
        const data = Float32Array.from({ length: rows * dimension }, next);
        const scale =
          metric === "cosine" ? { inverseNorms: inverseNorms(data, dimension, rows) } : {};
        const mask = Uint8Array.from({ length: rows }, (_, r) => (r % 3 === 0 ? 0 : 1));
        for (let t = 0; t < 5; t++) {
          const query = prepareQuery(metric, Array.from({ length: dimension }, next));
          const table = { data, dimension, rows, ...scale };
          const got = exactTopK(table, metric, query, 10, t + 1, t % 2 ? mask : undefined);
          const want = exactTopKScalar(table, metric, query, 10, t + 1, t % 2 ? mask : undefined);
          expect(got.map((g) => g.row)).toEqual(want.map((w) => w.row));
          got.forEach((g, i) => {
            expect(g.distance).toBeCloseTo((want[i] as { distance: number }).distance, 4);
          });
        }
      }
    });
  }
});
