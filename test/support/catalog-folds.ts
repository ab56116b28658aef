import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { OrphanSweeper } from "../../src/app/orphan-sweeper";
import type { CompactionPolicy } from "../../src/domain/compaction";
import type { TestStack } from "./stacks";
import { type Storage, storesOn, TINY_COMPACTION } from "./stores";

// Fixtures of the catalog fold tests: small indexes whose every batch is a full segment, their
// items as DynamoDB stores them, and fault injection into the catalog's updates.

export const DIMENSION = 64;
/** A batch of 8 vectors of 64 floats (2 KiB of values) is a full segment under this policy. */
export const POLICY: CompactionPolicy = { ...TINY_COMPACTION, maxSegmentBytes: 2048, foldFull: 4 };

/** Batch `b` of 8 vectors: `b<b>-<i>` = [b, i, 0, 0, ...]. */
export function batch(b: number, tag = "") {
  return Array.from({ length: 8 }, (_, i) => {
    const values = new Array<number>(DIMENSION).fill(0);
    values[0] = b;
    values[1] = i;
    return { id: `b${b}-${i}`, values, ...(tag ? { metadata: { tag } } : {}) };
  });
}

export function foldFixtures(env: TestStack) {
  const stores = storesOn(env);
  const { storage, quietStore } = stores;

  /** A compactor of `policy` on `parts` (see `storage`), with an orphan sweep if asked. */
  const compactorOn = (parts: Storage, policy: CompactionPolicy = POLICY, sweeper = false) =>
    stores.compactorOn(
      parts,
      policy,
      sweeper
        ? { sweeper: new OrphanSweeper({ catalog: parts.catalog, blobs: parts.blobs, graceMs: 0 }) }
        : {},
    );

  /** Storage, a quiet store and a compactor on it, and a reader of an index's stored item. */
  const setup = (policy: CompactionPolicy = POLICY, sweeper = false) => {
    const parts = storage();
    const compactor = compactorOn(parts, policy, sweeper);
    /** The index's item as DynamoDB stores it, and its size in bytes (names and values). */
    const item = async (name: string) => {
      const out = await parts.clients.doc.send(
        new GetCommand({
          TableName: env.stack.settings.tables.indexes,
          Key: { name },
          ConsistentRead: true,
        }),
      );
      const found = out.Item as {
        segments: unknown[] | string;
        recent_segments?: unknown[];
        segment_list?: { key: string };
      };
      // The item's own segments: `recent_segments` once it has split.
      const own = found.segment_list
        ? (found.recent_segments ?? [])
        : (found.segments as unknown[]);
      return { ...found, own, bytes: itemBytes(marshall(found)) };
    };
    return { ...parts, vectors: quietStore(parts), compactor, item };
  };

  return { ...stores, setup, compactorOn };
}

/** DynamoDB's item size: attribute names plus values, as UTF-8 (close enough for numbers). */
function itemBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** Fault injection: `hook` runs before every UpdateItem of `parts`' clients, with its expression. */
export function beforeUpdates(parts: Storage, hook: (expression: string) => Promise<void>): void {
  const send = parts.clients.doc.send.bind(parts.clients.doc) as (c: unknown) => Promise<unknown>;
  (parts.clients.doc as { send: unknown }).send = async (command: unknown) => {
    if (command instanceof UpdateCommand) await hook(command.input.UpdateExpression ?? "");
    return send(command);
  };
}

/**
 * Fault injection: just before the first UpdateItem of `parts` whose expression contains each
 * race's text, that race's `write` runs. Counts the updates of each.
 */
export function raceUpdates(
  parts: Storage,
  races: [name: string, text: string, write: () => Promise<unknown>][],
): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(races.map(([name]) => [name, 0]));
  beforeUpdates(parts, async (expression) => {
    for (const [name, text, write] of races) {
      if (!expression.includes(text)) continue;
      counts[name] = (counts[name] ?? 0) + 1;
      if (counts[name] === 1) await write();
    }
  });
  return counts;
}
