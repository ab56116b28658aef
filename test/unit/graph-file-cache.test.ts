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

/** A file of `bytes` bytes named `name` (a graph of that size, to the cache), its path. */
function sized(name: string, bytes = 100): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(bytes, 1));
  return path;
}

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

describe("graph file cache within a budget", () => {
  it("stay while they fit the budget, the least recently used going first", async () => {
    const files = new GraphFileCache({ keepBytes: 250 });
    await files.keep("a", sized("a"));
    await files.keep("b", sized("b"));
    expect(files.keys()).toEqual(["a", "b"]);
    // Reading a makes it the one used last; the next file pushes b out, not a.
    expect(files.acquire("a")).toBe(join(dir, "a"));
    await files.release("a");
    await files.keep("c", sized("c"));
    expect(files.keys()).toEqual(["a", "c"]);
    expect(existsSync(join(dir, "b"))).toBe(false);
    // A file in use stays past the budget (idle files alone count against it, c going for e);
    // it goes once idle, if it still does not fit (a was used before d and e were kept).
    expect(files.acquire("a")).toBe(join(dir, "a"));
    await files.keep("d", sized("d"));
    await files.keep("e", sized("e"));
    expect(files.keys()).toEqual(["a", "d", "e"]);
    await files.release("a");
    expect(files.keys()).toEqual(["d", "e"]);
    expect(existsSync(join(dir, "a"))).toBe(false);
    // The file kept last stays whatever its size, and trimming before other work keeps the budget.
    await files.keep("big", sized("big", 1000));
    expect(files.keys()).toEqual(["big"]);
    await files.trim();
    expect(files.keys()).toEqual([]);
    expect(existsSync(join(dir, "big"))).toBe(false);
  });

  it("lets a superseded graph go once idle", async () => {
    const files = new GraphFileCache({ keepBytes: 1000 });
    await files.keep("old", sized("old"));
    expect(files.acquire("old")).toBe(join(dir, "old"));
    await files.keep("new", sized("new"));
    await files.retire("old");
    // Retired: never handed out again, removed as its last use ends.
    expect(files.acquire("old")).toBeUndefined();
    expect(existsSync(join(dir, "old"))).toBe(true);
    await files.release("old");
    expect(existsSync(join(dir, "old"))).toBe(false);
    expect(files.keys()).toEqual(["new"]);
    await files.clear();
    expect(existsSync(join(dir, "new"))).toBe(false);
  });
});
