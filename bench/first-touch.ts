import { median } from "./stats";

/** A 4 KiB page: the unit the kernel maps memory in (huge pages aside). */
const PAGE_BYTES = 4096;

/** Bytes each probe allocates: 64 MiB, past glibc's mmap threshold, so every page is new. */
const PROBE_BYTES = 64 * 1024 * 1024;

/** What touching a 4 KiB page costs, µs (see {@link firstTouchCost}). */
export interface FirstTouch {
  /** A page the process never touched. */
  readonly first: number;
  /** The same page, touched again. */
  readonly again: number;
}

/**
 * What touching memory costs this machine, µs per 4 KiB page (median of `probes`): `first`, a page
 * the process never touched (a fresh allocation the kernel maps on the first write), and `again`,
 * the same pages written once more. Their gap is what every new buffer, graph or file download
 * pays per page here, beside the work it does. On typical hardware a first touch costs about a
 * microsecond; a VM whose host maps guest memory lazily, or whose kernel hands idle pages back,
 * pays more.
 */
export function firstTouchCost(probes = 3): FirstTouch {
  const first: number[] = [];
  const again: number[] = [];
  const pages = PROBE_BYTES / PAGE_BYTES;
  for (let p = 0; p < probes; p++) {
    const bytes = new Uint8Array(PROBE_BYTES);
    let started = performance.now();
    for (let i = 0; i < PROBE_BYTES; i += PAGE_BYTES) bytes[i] = 1;
    first.push(((performance.now() - started) * 1000) / pages);
    started = performance.now();
    for (let i = 0; i < PROBE_BYTES; i += PAGE_BYTES) bytes[i] = 2;
    again.push(((performance.now() - started) * 1000) / pages);
  }
  return { first: median(first), again: median(again) };
}
