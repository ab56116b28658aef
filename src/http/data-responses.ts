import { z } from "zod";
import { IMPORT_FORMATS } from "../domain/import-job";
import { METRICS } from "../domain/metric";
import { count, nextToken, status, timestamp } from "./response-fields";

/**
 * What the data routes answer (indexes, vectors, search, imports): the OpenAPI document's
 * response schemas, so the typed client's `data` is typed, and what the tests check every
 * answer of the local stack against. Strict: a field the API answers must be declared here.
 */

const metadata = z
  .record(z.string(), z.unknown())
  .nullable()
  .meta({ description: "The vector's metadata, as written (null: none)" });

/** A complete HNSW config, as answers give it. */
export const hnswConfigOut = z
  .strictObject({
    ef_construction: z.int().meta({ description: "Candidate list size while inserting" }),
    ef_search: z.int().meta({ description: "Candidate list size while searching" }),
    m: z.int().meta({ description: "Links per node (level 0 keeps 2m)" }),
    seed: z.int().meta({ description: "Seed of the graph's level assignment" }),
  })
  .meta({ id: "HnswConfig" });

/** An index as `GET /vectors/indexes/{index}` (and every index route) answers it. */
export const indexInfo = z
  .strictObject({
    name: z.string().meta({ description: "The index's name" }),
    dimension: z.int().meta({ description: "Values per vector" }),
    metric: z.enum(METRICS).meta({ description: "The distance searches rank by" }),
    count: count("Live vectors"),
    data_version: count("Bumped by every write: what every derived artifact is stamped with"),
    created_at: timestamp("When the index was created"),
    updated_at: timestamp("When it was last written or its settings changed"),
    active: z
      .strictObject({
        generation: z.int().meta({ description: "Bumped by every flip (activations, catch-ups)" }),
        config: hnswConfigOut,
        data_version: count("The data version the graph holds"),
        activated_at: timestamp("When the pointer flipped to it"),
        labels: count("Labels in the graph, deleted ones included").nullable(),
        deleted_labels: count("Labels marked deleted by catch-ups since the last full build"),
        pending_writes: count(
          "Writes (upserts and deletes) not in the graph yet, estimated from the catalog",
        ),
      })
      .nullable()
      .meta({ description: "The HNSW generation searches use, or null before activation" }),
    maintenance: z
      .strictObject({
        catch_up_fraction: z.number().meta({ description: "Catch up at this share of the graph" }),
        catch_up_max_pending: z.int().meta({ description: "...or at this many pending vectors" }),
        rebuild_deleted_fraction: z
          .number()
          .meta({ description: "Rebuild once this share of the graph's labels is deleted" }),
      })
      .meta({ description: "When the active graph catches up or is rebuilt (effective values)" }),
  })
  .meta({ id: "Index" });

/** A page of the index listing. */
export const indexPage = z.strictObject({
  indexes: z.array(indexInfo).meta({ description: "Indexes, sorted by name within the page" }),
  next_token: nextToken,
});

/** What an upsert answers once it is durable. */
export const upsertAnswer = z.strictObject({
  upserted: count("Vectors written"),
  count: count("Live vectors after the write"),
  data_version: count("The index's data version after the write"),
});

/** What a delete of many ids answers once it is durable. */
export const deleteAnswer = z.strictObject({
  deleted: count("Ids that were live and are deleted now"),
  count: count("Live vectors after the write"),
  data_version: count("The index's data version after the write (unchanged if none was live)"),
});

/** One stored vector, as written. */
export const storedVector = z
  .strictObject({
    id: z.string().meta({ description: "The vector's id" }),
    values: z.array(z.number()).meta({ description: "Its values (as float32 stores them)" }),
    metadata,
  })
  .meta({ id: "Vector" });

/** Vectors by id, in the order asked, and the ids not live. */
export const vectorsAnswer = z.strictObject({
  vectors: z.array(storedVector).meta({ description: "The live ones, in the order asked" }),
  not_found: z.array(z.string()).meta({ description: "The ids asked for that are not live" }),
});

/** A page of the index's live ids. */
export const idPage = z.strictObject({
  ids: z.array(z.string()).meta({ description: "Live ids, in a stable order (by id hash)" }),
  next_token: nextToken,
});

const hit = z
  .strictObject({
    id: z.string().meta({ description: "A live vector's id" }),
    distance: z.number().meta({ description: "Its distance to the query under the metric" }),
    metadata: metadata.meta({ description: "Its current metadata (null: none)" }),
  })
  .meta({ id: "SearchHit" });

const hits = z.array(hit).meta({ description: "The k nearest, nearest first" });

/** A search's answer: one hit list for `vector`, one per query for `queries`. */
export const searchAnswer = z
  .union([
    z.strictObject({
      mode: z.literal("exact").meta({ description: "Scanned exactly (no active graph, or asked)" }),
      data_version: count("The index's data version the answer reflects"),
      results: z.union([hits, z.array(hits)]),
    }),
    z.strictObject({
      mode: z.literal("hnsw").meta({ description: "Through the active graph" }),
      generation: z.int().meta({ description: "The generation searched" }),
      config: hnswConfigOut,
      pending_vectors: count("Live vectors written since the graph's data, scanned exactly"),
      filter: z
        .union([
          z.strictObject({
            matched: count("The graph's live vectors the filter keeps"),
            strategy: z.literal("graph").meta({ description: "Searched the graph, filtered" }),
            ef_search: z.int().meta({ description: "The ef_search widened for the filter" }),
            efSearch: z.int().meta({
              description: "Deprecated: the same as ef_search (its first name, kept for callers)",
              deprecated: true,
            }),
          }),
          z.strictObject({
            matched: count("The graph's live vectors the filter keeps"),
            strategy: z.literal("scan").meta({ description: "Scanned the matches exactly" }),
          }),
        ])
        .optional()
        .meta({ description: "With a filter: what it kept, and how the graph was searched" }),
      data_version: count("The index's data version the answer reflects"),
      results: z.union([hits, z.array(hits)]),
    }),
  ])
  .meta({ id: "SearchAnswer" });

/** Where to upload a file for a bulk import. */
export const uploadAnswer = z.strictObject({
  source: z.string().meta({ description: "s3://bucket/key: pass it to the import" }),
  upload_url: z.string().meta({ description: "A signed URL to PUT the file to" }),
  expires_in_seconds: z.int().meta({ description: "How long the URL is valid" }),
});

/** A bulk import job and its progress. */
export const importJobAnswer = z
  .strictObject({
    import_id: z.string().meta({ description: "The job's id (a ULID)" }),
    index_name: z.string().meta({ description: "The index it writes to" }),
    index_uid: z.string().meta({ description: "The index incarnation it writes to" }),
    source: z.string().meta({ description: "s3://bucket/key of the file" }),
    format: z.enum(IMPORT_FORMATS).meta({ description: "The file's format" }),
    id_prefix: z.string().meta({ description: "Row r gets id <id_prefix><r>" }),
    status: status.meta({ description: "Where the job is" }),
    rows_total: count("Rows in the file, once planned").nullable(),
    rows_done: count("Rows committed so far"),
    chunks_total: count("Chunks planned").nullable(),
    chunks_done: count("Chunks committed so far"),
    started_by: z.string().meta({ description: "The caller's IAM identity" }),
    started_at: timestamp("When it started"),
    updated_at: timestamp("When it last made progress"),
    finished_at: timestamp("When it ended").nullable(),
    error: z.string().nullable().meta({ description: "Why it failed" }),
  })
  .meta({ id: "ImportJob" });
