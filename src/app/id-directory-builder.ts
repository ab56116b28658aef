import { randomUUID } from "node:crypto";
import pLimit, { type LimitFunction } from "p-limit";
import { segmentStem } from "../../infra/storage";
import { type CompactionPolicy, DEFAULT_COMPACTION, isFull } from "../domain/compaction";
import { applyWords, type SegmentWords, wordsAt, wordsOf } from "../domain/directory-words";
import {
  decodeIdDirectory,
  directoryCoverage,
  encodeIdDirectory,
  type LiveHashes,
} from "../domain/id-directory";
import type { IndexRecord } from "../domain/index-record";
import {
  decodeNamesIndex,
  gatherNames,
  type NameList,
  nameListOf,
  nameListOfLines,
  namesCount,
} from "../domain/name-list";
import type { SegmentRef } from "../domain/segment";
import { namesLayout } from "../domain/segment-directory";
import { logger } from "../logger";
import { type BlobStore, type IndexCatalog, LOST_RACE } from "./ports";
import type { SegmentStore } from "./segment-store";

/**
 * Default of {@link IdDirectoryBuilder}'s `rebuildWords`: a new directory is built once the full
 * segments it would add hold this many words (131,072: 1 MiB of digests, which is then the most a
 * writer reads of full segments' digests beside the directory).
 */
export const DEFAULT_DIRECTORY_REBUILD_WORDS = 1 << 17;

/**
 * Default of {@link IdDirectoryBuilder}'s `maxIds`: 10 million live ids. A build holds about 120
 * bytes per live id at its peak (the stored directory, its entries and names decoded, where each
 * came from, and the new one: 118 bytes an id of peak RSS, measured over a build of 3 million
 * short ids), so 10 million, about 1.2 GB, fit the compaction function's 1,769 MB; the run's
 * merges are done by then.
 */
export const DEFAULT_DIRECTORY_MAX_IDS = 10_000_000;

/** Segments a build reads at once by their digests and names sections. */
const READ_CONCURRENCY = 16;

/**
 * Manifests a build reads at once: a merged segment's, up to 64 MiB with its metadata, parses to
 * several times that, and only its ids and versions are kept.
 */
const MANIFEST_CONCURRENCY = 2;

/** The ports {@link IdDirectoryBuilder} is built from. */
export interface IdDirectoryBuilderDeps {
  readonly catalog: IndexCatalog;
  readonly segments: SegmentStore;
  readonly blobs: BlobStore;
  /** Which segments are full (default {@link DEFAULT_COMPACTION}). */
  readonly policy?: CompactionPolicy;
  /** Words of new full segments that make a build due (default {@link DEFAULT_DIRECTORY_REBUILD_WORDS}). */
  readonly rebuildWords?: number;
  /**
   * `false`: id directories are off (`settings.idDirectories`): a run removes the index's
   * directory instead of building one (default `true`).
   */
  readonly enabled?: boolean;
  /**
   * Live ids past which an index gets no directory (default {@link DEFAULT_DIRECTORY_MAX_IDS}): a
   * run removes its directory instead of building one it could not hold, and requests read every
   * digest, as without one.
   */
  readonly maxIds?: number;
}

/** What one {@link IdDirectoryBuilder.run} did. */
export interface DirectoryBuild {
  /** The data version the new directory holds the words of. */
  readonly version: number;
  /** Live hashes in it. */
  readonly live: number;
  /** Segments whose words it applied (over the previous directory, when that could be trusted). */
  readonly applied: number;
}

/**
 * Builds an index's id directory (see `IdDirectoryRef`), inside its compaction task (never in a
 * request): over the segments up to the newest full one, which never merges again, so the
 * segments keep splitting cleanly at its version (see `directoryCoverage`; should a purge shrink
 * it so that it merges after all, requests stop trusting the directory until the next build). It
 * starts from the previous directory, when that can be trusted and holds names, and applies the
 * words of the full segments since, with their ids' names (from their digests and segment
 * directories' names, or from the manifests of merged and small segments, which hold each word's
 * version); otherwise the words of every covered segment. Names move as bytes (`NameList`). A build is due once the new full
 * segments hold `rebuildWords` words; the swap is one conditional write on the directory it
 * replaces, and the replaced object is left to the orphan sweep (a request may be reading it).
 */
export class IdDirectoryBuilder {
  private readonly policy: CompactionPolicy;
  private readonly rebuildWords: number;
  private readonly maxIds: number;

  constructor(private readonly deps: IdDirectoryBuilderDeps) {
    this.policy = deps.policy ?? DEFAULT_COMPACTION;
    this.rebuildWords = deps.rebuildWords ?? DEFAULT_DIRECTORY_REBUILD_WORDS;
    this.maxIds = deps.maxIds ?? DEFAULT_DIRECTORY_MAX_IDS;
  }

  /**
   * Builds the index's directory when due; what it built, or `null` (not due, or lost a race).
   * With directories off, or past `maxIds` live ids, removes the index's directory (the record
   * then names none; the object goes with the orphan sweep) and builds nothing.
   */
  async run(indexName: string): Promise<DirectoryBuild | null> {
    const record = await this.deps.catalog.get(indexName);
    if (!record) return null;
    const why =
      this.deps.enabled === false
        ? "id directories are off"
        : record.count > this.maxIds
          ? `the index has ${record.count} live ids, over the ${this.maxIds} a build can hold`
          : undefined;
    if (why) {
      if (record.idDirectory) {
        const removed = await this.deps.catalog.setIdDirectory(record, null);
        if (removed !== LOST_RACE) {
          logger.warn(`id directory removed (${why})`, { index_name: indexName });
        }
      }
      return null;
    }
    const plan = this.plan(record);
    if (!plan) return null;
    const { base, apply, version } = plan;
    const limit = pLimit(READ_CONCURRENCY);
    const manifests = pLimit(MANIFEST_CONCURRENCY);
    const [before, words] = await Promise.all([
      base ? this.readLive(base) : Promise.resolve(EMPTY),
      Promise.all(apply.map((ref) => limit(() => this.wordsOf(record, ref, manifests)))),
    ]);
    const live = applyWords(before, words);
    const names = gatherNames(
      [before.names, ...words.map((w) => w.names)],
      live.layer,
      live.position,
    );
    const key = `${segmentStem(record, `id-directory-${randomUUID()}`)}.live`;
    await this.deps.blobs.put(key, encodeIdDirectory(live, names), "application/octet-stream");
    const swapped = await this.deps.catalog.setIdDirectory(record, {
      key,
      version,
      live: live.hashes.length,
      names: true,
    });
    if (swapped === LOST_RACE) {
      await this.deps.blobs.deleteKeys([key]).catch(() => undefined);
      return null;
    }
    const built = { version, live: live.hashes.length, applied: apply.length };
    logger.info("id directory built", { index_name: indexName, ...built });
    return built;
  }

  /**
   * What a build of `record` would do: the directory to start from (if it can be trusted), the
   * segments whose words to apply over it, and the version it would hold; `null` when no build
   * is due.
   */
  private plan(record: IndexRecord) {
    const { segments } = record;
    // Up to the newest full segment: it never merges again, so no merge will straddle the
    // directory's version (a segment stuck between full ones, in no run of its tier, is covered).
    let covered = segments.length;
    while (covered > 0 && !isFull(segments[covered - 1] as SegmentRef, this.policy)) covered--;
    const last = segments[covered - 1];
    if (!last) return null;
    const version = last.max_version;
    // The covered segments must end where the next one's versions start, and hold disjoint
    // ranges of versions (segments from before versions all hold version 0), so that an entry's
    // version names one segment.
    const next = segments[covered];
    if (next && next.min_version <= version) return null;
    for (let s = 1; s < covered; s++) {
      const ref = segments[s] as SegmentRef;
      if (ref.min_version <= (segments[s - 1] as SegmentRef).max_version) return null;
    }
    // A directory without names (built before they were) is rebuilt whole, with them.
    const trusted =
      directoryCoverage(record) && record.idDirectory?.names ? record.idDirectory : undefined;
    if (trusted && trusted.version >= version) return null;
    const apply = segments
      .slice(0, covered)
      .filter((ref) => !trusted || ref.max_version > trusted.version);
    const words = apply.reduce((n, ref) => n + ref.vectors + ref.deletes, 0);
    // An untrusted (or missing) directory is rebuilt at once: until then writers read digests.
    if (trusted && words < this.rebuildWords) return null;
    return { base: trusted, apply, version };
  }

  private async readLive(ref: { key: string }): Promise<Named> {
    const bytes = await this.deps.blobs.get(ref.key);
    if (!bytes) throw new Error(`id directory ${ref.key} is missing from storage`);
    const live = decodeIdDirectory(bytes, true);
    if (!live.names) throw new Error(`id directory ${ref.key} holds no names`);
    return live as Named;
  }

  /**
   * Segment `ref`'s words with their versions, and the names of its upserted ids in their order:
   * from its digest and the names section of its segment directory when one request wrote it (one
   * version) and it has one, else from its manifest (each word's own version), read through
   * `manifests` (a few at once).
   */
  private async wordsOf(
    record: IndexRecord,
    ref: SegmentRef,
    manifests: LimitFunction,
  ): Promise<SegmentWords & { readonly names: NameList }> {
    if (ref.min_version === ref.max_version && this.deps.segments.hasDirectory(record, ref)) {
      const [digest, names] = await Promise.all([
        this.deps.segments.readDigest(record, ref),
        this.directoryNames(record, ref),
      ]);
      if (names && namesCount(names) === digest.upserted.length) {
        return { ...wordsAt(digest, ref.max_version), names };
      }
    }
    const manifest = await manifests(() => this.deps.segments.readManifest(record, ref));
    const words = wordsOf({
      ...manifest,
      versions: manifest.versions ?? manifest.ids.map(() => ref.min_version),
    });
    return { ...words, names: nameListOf(words.names) };
  }

  /** The names section of segment `ref`'s directory; `undefined` when it has none. */
  private async directoryNames(
    record: IndexRecord,
    ref: SegmentRef,
  ): Promise<NameList | undefined> {
    const layout = namesLayout(ref.vectors, ref.vectors + ref.deletes);
    const index = await this.deps.segments.readDirectoryBytes(record, ref, layout.index);
    if (!index || index.byteLength !== layout.index.end - layout.index.start) return undefined;
    const length = decodeNamesIndex(index).at(-1) ?? 0;
    const bytes = await this.deps.segments.readDirectoryBytes(record, ref, {
      start: layout.namesStart,
      end: layout.namesStart + length,
    });
    return bytes?.byteLength === length ? nameListOfLines(bytes) : undefined;
  }
}

/** Live hashes with their names. */
type Named = LiveHashes & { readonly names: NameList };

/** A directory of no ids. */
const EMPTY: Named = {
  hashes: new BigUint64Array(),
  versions: new Uint32Array(),
  names: nameListOf([]),
};
