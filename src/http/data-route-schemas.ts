import { z } from "zod";
import type { RouteSchemas } from "./api-schemas";
import {
  deleteAnswer,
  idPage,
  importJobAnswer,
  indexInfo,
  indexPage,
  searchAnswer,
  storedVector,
  uploadAnswer,
  upsertAnswer,
  vectorsAnswer,
} from "./data-responses";
import {
  createUploadBody,
  importBody,
  importIdSchema,
  indexNameSchema,
  listIndexesQuery,
  listVectorsQuery,
  putIndexBody,
  vectorIdSchema,
} from "./schemas";
import { searchBody } from "./search-schemas";
import { deleteVectorsBody, getVectorsBody, upsertBody } from "./vector-schemas";

/** The `{index}` path parameter. */
export const indexParams = z.object({ index: indexNameSchema });

/** What the data routes take and answer (indexes, vectors, search, imports), by route id. */
export const DATA_ROUTE_SCHEMAS: Record<string, RouteSchemas> = {
  PutIndex: {
    summary: "Create an index (201), or confirm one of the same dimension and metric (200)",
    params: indexParams,
    body: putIndexBody,
    response: indexInfo,
    success: 201,
    also: 200,
  },
  ListIndexes: {
    summary: "A page of the indexes (sorted by name within it) and the next page's token",
    query: listIndexesQuery,
    response: indexPage,
  },
  GetIndex: {
    summary: "One index: count, data_version, active generation, maintenance",
    params: indexParams,
    response: indexInfo,
  },
  DeleteIndex: {
    summary: "Delete an index and everything it stored",
    params: indexParams,
    success: 204,
  },
  UpsertVectors: {
    summary: "Upsert up to 1,000 vectors (the same id replaces)",
    params: indexParams,
    body: upsertBody,
    response: upsertAnswer,
  },
  GetVector: {
    summary: "One vector, with its values and metadata",
    params: z.object({ index: indexNameSchema, id: vectorIdSchema }),
    response: storedVector,
  },
  ListVectors: {
    summary:
      "A page of the index's live vector ids (in a stable order of their hashes) and the next page's token",
    params: indexParams,
    query: listVectorsQuery,
    response: idPage,
  },
  GetVectors: {
    summary: "Up to 100 vectors by id, in the order asked, and the ids not found",
    params: indexParams,
    body: getVectorsBody,
    response: vectorsAnswer,
  },
  DeleteVectors: {
    summary: "Delete up to 1,000 vectors by id in one write (ids not live are left alone)",
    params: indexParams,
    body: deleteVectorsBody,
    response: deleteAnswer,
  },
  DeleteVector: {
    summary: "Delete one vector",
    params: z.object({ index: indexNameSchema, id: vectorIdSchema }),
    success: 204,
  },
  Search: {
    summary: "k nearest neighbors of one query or a batch, optionally filtered, strong or eventual",
    params: indexParams,
    body: searchBody,
    response: searchAnswer,
  },
  CreateUpload: {
    summary: "A signed URL to upload a file (npy, fvecs, bvecs) for a bulk import, and its source",
    body: createUploadBody,
    response: uploadAnswer,
    success: 201,
  },
  StartImport: {
    summary: "Start a bulk import of a file in the service's bucket (uploads/)",
    params: indexParams,
    body: importBody,
    response: importJobAnswer,
    success: 202,
  },
  GetImport: {
    summary: "An import job and its progress",
    params: z.object({ index: indexNameSchema, import_id: importIdSchema }),
    response: importJobAnswer,
  },
};
