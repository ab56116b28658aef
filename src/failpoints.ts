/**
 * Named points where the crash tests stop the process. With `VECTORD_FAILPOINTS=name[@n][,...]`,
 * reaching an armed point (its n-th time, default the first) prints `FAILPOINT <name>` on stderr
 * and holds there for good, so the test harness kills the process with SIGKILL exactly at that
 * point. Unset (always, outside the crash tests) a failpoint is one map lookup.
 */
export type FailpointName =
  /** A write's segment is in S3; the catalog does not name it yet. */
  | "upsert.segment-written"
  /** A write is in the catalog; the caller has no answer yet. */
  | "upsert.committed"
  /** A compaction's merged segment is in S3; the catalog still names the inputs. */
  | "compaction.merged-written"
  /** The catalog names the merged segment; the inputs are not deleted yet. */
  | "compaction.swapped"
  /** An activation's graph and label map are in S3; the pointer has not flipped. */
  | "activation.generation-written"
  /** A catch-up's graph and label map are in S3; the pointer has not flipped. */
  | "catchup.generation-written"
  /** Autotune: the Plan task is done. */
  | "autotune.planned"
  /** Autotune: a build group's trials are in the journal. */
  | "autotune.group-built"
  /** Autotune: Decide is about to promote. */
  | "autotune.deciding"
  /** Import: a chunk's segment is in the catalog; the job does not count it yet. */
  | "import.chunk-committed"
  /** CLI import: a batch is applied and in the checkpoint. */
  | "cli.import.batch-applied";

/** Armed points: the hit that stops, and the hits so far. */
let armed: Map<string, { at: number; hits: number }> | undefined;

/**
 * Stops the process here for good when failpoint `name` is armed for this hit (see {@link
 * FailpointName}); otherwise returns at once.
 */
export async function failpoint(name: FailpointName): Promise<void> {
  armed ??= new Map(
    (process.env.VECTORD_FAILPOINTS ?? "")
      .split(",")
      .filter(Boolean)
      .map((spec) => {
        const [point, at] = spec.split("@");
        return [point as string, { at: Number(at ?? 1), hits: 0 }];
      }),
  );
  const point = armed.get(name);
  if (!point || ++point.hits !== point.at) return;
  process.stderr.write(`FAILPOINT ${name}\n`);
  // A promise alone does not keep Node running: with nothing else pending (the CLI between
  // batches) the process would exit with code 13 before the harness's SIGKILL lands. A timer does.
  await new Promise<never>(() => setInterval(() => undefined, 2 ** 31 - 1));
}
