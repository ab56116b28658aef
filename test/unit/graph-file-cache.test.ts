import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GraphFileCache } from "../../src/app/graph-file-cache";

const dir = mkdtempSync(join(tmpdir(), "vectord-cache-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, name);
  return path;
};

describe("graph file cache", () => {
  it("keeps the latest file once idle, never removes one in use, and removes the rest", async () => {
    const cache = new GraphFileCache();
    const a = file("a");
    await cache.keep("A", a);
    expect(cache.acquire("A")).toBe(a);
    expect(cache.acquire("missing")).toBeUndefined();
    // B is kept while A is in use: A stays until released, then goes (B is the latest).
    const b = file("b");
    await cache.keep("B", b);
    expect(existsSync(a)).toBe(true);
    await cache.release("A");
    expect(existsSync(a)).toBe(false);
    expect(cache.keys()).toEqual(["B"]);
    // Before new work needs disk, idle files go.
    await cache.trim();
    expect(existsSync(b)).toBe(false);
    expect(cache.keys()).toEqual([]);
  });

  it("keeps only one idle file", async () => {
    const cache = new GraphFileCache();
    const [x, y] = [file("x"), file("y")];
    await cache.keep("X", x);
    await cache.keep("Y", y);
    expect([existsSync(x), existsSync(y)]).toEqual([false, true]);
    await cache.clear();
    expect(existsSync(y)).toBe(false);
  });

  it("removes the file it kept under a key when another is kept under it", async () => {
    const cache = new GraphFileCache();
    const [first, second] = [file("first"), file("second")];
    await cache.keep("K", first);
    await cache.keep("K", second);
    expect([existsSync(first), existsSync(second)]).toEqual([false, true]);
    expect(cache.acquire("K")).toBe(second);
    await cache.release("K");
    await cache.clear();
    expect(existsSync(second)).toBe(false);
  });
});
