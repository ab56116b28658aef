import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { seededRandom } from "../../src/domain/seeded-random";

/**
 * A temporary directory named after `prefix`, removed after the calling file's tests; returns
 * the path of a file `name` in it.
 */
export function scratchFiles(prefix: string): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (name) => join(dir, name);
}

/** `count` rows of `dimension` values in [-0.5, 0.5) from seed `seed`, as graph tasks take them. */
export function seededRows(count: number, dimension: number, seed: number) {
  const random = seededRandom(seed);
  return {
    data: Float32Array.from({ length: count * dimension }, () => random() - 0.5),
    dimension,
    rows: count,
  };
}
