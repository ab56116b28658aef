import { DigestFilter } from "../src/domain/digest-filter";
import { digestOf, idHash, latestWord } from "../src/domain/id-digest";
import { median } from "./stats";

/** Interleaved rounds per segment count. */
const ROUNDS = 7;

/**
 * What a write of 1,000 new ids spends asking which of them are live (a writer asks at least
 * twice a write: before writing its segment, and in its turn to commit), against an index of S
 * segments of 10,000 ids each, by the id digests alone (the previous code path) and through the
 * digests' filters; in-process, interleaved, medians. Also the same for 1,000 ids the index holds
 * (in its oldest segment: the most digests searched either way).
 */
export function benchLiveCheck() {
  console.log(
    `\nliveness of a write's 1,000 ids against S segments of 10,000 ids (median of ${ROUNDS} interleaved rounds):`,
  );
  for (const segments of [10, 100, 300]) {
    const digests = Array.from({ length: segments }, (_, s) =>
      digestOf({ ids: Array.from({ length: 10_000 }, (_, i) => `doc-${s}-${i}`), deleted: [] }),
    );
    const built = performance.now();
    const filters = digests.map((d) => new DigestFilter(d));
    const buildMs = performance.now() - built;
    for (const [what, ids] of [
      ["new ids", Array.from({ length: 1000 }, (_, i) => `new-${i}`)],
      ["held ids", Array.from({ length: 1000 }, (_, i) => `doc-0-${i}`)],
    ] as const) {
      const ms = { digests: [] as number[], filtered: [] as number[] };
      const found = { digests: 0, filtered: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const ways = [
          ["digests", undefined],
          ["filtered", filters],
        ] as const;
        for (const [way, f] of round % 2 === 0 ? ways : [...ways].reverse()) {
          const started = performance.now();
          let n = 0;
          for (const id of ids) if (latestWord(digests, idHash(id), f)) n++;
          ms[way].push(performance.now() - started);
          found[way] = n;
        }
      }
      if (found.digests !== found.filtered) throw new Error("the two ways disagree");
      console.log(
        `  S=${segments}, ${what}: digests alone ${median(ms.digests).toFixed(2)} ms, with filters ${median(ms.filtered).toFixed(2)} ms -> ${(median(ms.digests) / median(ms.filtered)).toFixed(1)}x (filters built once per instance in ${buildMs.toFixed(0)} ms, ${(filters.reduce((a, f) => a + f.byteLength, 0) / 2 ** 20).toFixed(1)} MiB)`,
      );
    }
  }
}
