import { z } from "zod";
import { dashboardFileSchema } from "./dashboard-assets";
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
  activateBody,
  activationIdSchema,
  createUploadBody,
  deleteVectorsBody,
  getVectorsBody,
  importBody,
  importIdSchema,
  indexNameSchema,
  listIndexesQuery,
  listVectorsQuery,
  profileIdSchema,
  profileSearchBody,
  putIndexBody,
  putProfileBody,
  runIdSchema,
  searchBody,
  upsertBody,
  vectorIdSchema,
  waitQuery,
} from "./schemas";
import {
  activationDone,
  activationView,
  evalSet,
  evalSetMade,
  harnessRun,
  job,
  jobList,
  jobStarted,
  policy,
  profile,
  profileActivation,
  promoted,
  promotionChange,
  trial,
  trialMade,
  trialPage,
  trialRun,
} from "./tuning-responses";
import {
  autogenEvalBody,
  bestTrialQuery,
  createEvalBody,
  harnessNameSchema,
  jobIdSchema,
  listAutotuneQuery,
  listTrialsQuery,
  promoteQuery,
  putPolicyBody,
  startAutotuneBody,
  trialBody,
  trialIdSchema,
} from "./tuning-schemas";

/**
 * What each route of `infra/routes.ts` takes (its path parameters, query and JSON body), keyed by
 * route id: the schemas the handlers validate with, and the OpenAPI document is generated from.
 * A test checks that every route has an entry, so the two cannot drift.
 */
export interface RouteSchemas {
  /** One line on what the route does (the OpenAPI summary). */
  readonly summary: string;
  /** Its path parameters. */
  readonly params?: z.ZodObject;
  /** Its query string parameters. */
  readonly query?: z.ZodObject;
  /** Its JSON body. */
  readonly body?: z.ZodType;
  /**
   * The JSON body of a success (of every 2xx but a `mayContinue` 202), when declared: the
   * OpenAPI document's response schema, and what tests check the answers against. Routes without
   * it are documented as answering a JSON object.
   */
  readonly response?: z.ZodType;
  /** The JSON body of a `mayContinue` route's 202 (the run to poll), when declared. */
  readonly continued?: z.ZodType;
  /** What a success answers, when not JSON. */
  readonly content?: "text/html" | "text/plain";
  /** 200 (default), 201 or 204; 202 for what starts work that continues. */
  readonly success?: 200 | 201 | 202 | 204;
  /** Also answers 202 when the work it waits for outlasts the request (it continues). */
  readonly mayContinue?: true;
}

const index = z.object({ index: indexNameSchema });
const harness = z.object({ name: harnessNameSchema });
const profileParams = z.object({ id: profileIdSchema });

/**
 * Each route's summary, parameter and body schemas and success status, by the route's id: what the
 * handlers validate with and what the OpenAPI document is generated from.
 */
export const ROUTE_SCHEMAS: Record<string, RouteSchemas> = {
  PutIndex: {
    summary: "Create an index (201), or confirm one of the same dimension and metric (200)",
    params: index,
    body: putIndexBody,
    response: indexInfo,
    success: 201,
  },
  ListIndexes: {
    summary: "A page of the indexes (sorted by name within it) and the next page's token",
    query: listIndexesQuery,
    response: indexPage,
  },
  GetIndex: {
    summary: "One index: count, data_version, active generation, maintenance",
    params: index,
    response: indexInfo,
  },
  DeleteIndex: { summary: "Delete an index and everything it stored", params: index, success: 204 },
  UpsertVectors: {
    summary: "Upsert up to 1,000 vectors (the same id replaces)",
    params: index,
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
    params: index,
    query: listVectorsQuery,
    response: idPage,
  },
  GetVectors: {
    summary: "Up to 100 vectors by id, in the order asked, and the ids not found",
    params: index,
    body: getVectorsBody,
    response: vectorsAnswer,
  },
  DeleteVectors: {
    summary: "Delete up to 1,000 vectors by id in one write (ids not live are left alone)",
    params: index,
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
    params: index,
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
    params: index,
    body: importBody,
    response: importJobAnswer,
    success: 202,
  },
  GetImport: {
    summary: "An import job and its progress",
    params: z.object({ index: indexNameSchema, import_id: importIdSchema }),
    response: importJobAnswer,
  },
  CreateEval: {
    summary: "Create a harness from given queries: 201 once saved, 202 while its task runs",
    params: harness,
    query: waitQuery,
    body: createEvalBody,
    success: 201,
    mayContinue: true,
    response: evalSetMade,
    continued: harnessRun,
  },
  AutogenEval: {
    summary:
      "Create a harness of queries picked from the index: 201 once saved, 202 while its task runs",
    params: harness,
    query: waitQuery,
    body: autogenEvalBody,
    success: 201,
    mayContinue: true,
    response: evalSetMade,
    continued: harnessRun,
  },
  GetEval: { summary: "One harness (without its vectors)", params: harness, response: evalSet },
  RefreshEval: {
    summary:
      "Recompute a harness's ground truth for the index's data: 200 once saved, 202 while its task runs",
    params: harness,
    query: waitQuery,
    mayContinue: true,
    response: evalSetMade,
    continued: harnessRun,
  },
  GetHarnessRun: {
    summary: "One harness run: RUNNING, SUCCEEDED with its harness, or FAILED with its error",
    params: z.object({ index: indexNameSchema, run_id: runIdSchema }),
    response: harnessRun,
  },
  RunTrial: {
    summary:
      "Build a graph with a config and measure it: 201 with the trial once journaled, 202 while its task runs",
    query: waitQuery,
    body: trialBody,
    success: 201,
    mayContinue: true,
    response: trialMade,
    continued: trialRun,
  },
  GetTrialRun: {
    summary: "One manual trial's run: RUNNING, SUCCEEDED with its trial, or FAILED with its error",
    params: z.object({ index: indexNameSchema, run_id: runIdSchema }),
    response: trialRun,
  },
  ListTrials: {
    summary: "An index's trials, newest first",
    params: index,
    query: listTrialsQuery,
    response: trialPage,
  },
  GetTrial: {
    summary: "One trial",
    params: z.object({ index: indexNameSchema, trial_id: trialIdSchema }),
    response: trial,
  },
  BestTrial: {
    summary: "The best trial above a recall gate",
    params: index,
    query: bestTrialQuery,
    response: trial,
  },
  PromoteTrial: {
    summary: "Promote a trial of the index",
    params: z.object({ index: indexNameSchema, trial_id: trialIdSchema }),
    query: promoteQuery,
    response: promotionChange,
  },
  RollbackPromotion: {
    summary: "Roll the promotion back to the previous entry",
    params: index,
    response: promotionChange,
  },
  GetPromoted: { summary: "The promotion registry of an index", params: index, response: promoted },
  ActivateIndex: {
    summary:
      "Serve the promoted config (or a default) as a new generation: 200 once done, 202 while its task runs",
    params: index,
    query: waitQuery,
    body: activateBody,
    mayContinue: true,
    response: activationDone,
    continued: activationView,
  },
  GetActivation: {
    summary: "One activation: RUNNING, SUCCEEDED with its result, or FAILED with its error",
    params: z.object({ index: indexNameSchema, activation_id: activationIdSchema }),
    response: activationView,
  },
  PutProfile: {
    summary: "Create or replace a search profile",
    params: profileParams,
    body: putProfileBody,
    response: profile,
  },
  GetProfile: { summary: "One search profile", params: profileParams, response: profile },
  ActivateProfile: {
    summary: "Activate every index of a profile: 200 once all ended, 202 while any runs",
    params: profileParams,
    query: waitQuery,
    mayContinue: true,
    response: profileActivation,
    continued: profileActivation,
  },
  ProfileSearch: {
    summary: "Search one index of a profile",
    params: profileParams,
    body: profileSearchBody,
    response: searchAnswer,
  },
  StartAutotune: {
    summary: "Start an autotune job (max_recall over a grid, or target_recall)",
    body: startAutotuneBody,
    success: 202,
    response: jobStarted,
  },
  ListAutotune: {
    summary: "An index's autotune jobs, newest first",
    query: listAutotuneQuery,
    response: jobList,
  },
  GetAutotune: {
    summary: "One autotune job",
    params: z.object({ job_id: jobIdSchema }),
    response: job,
  },
  PutPolicy: {
    summary: "Set an index's autotune policy",
    params: index,
    body: putPolicyBody,
    response: policy,
  },
  GetPolicy: { summary: "An index's autotune policy", params: index, response: policy },
  DeletePolicy: { summary: "Remove an index's autotune policy", params: index, success: 204 },
  GetOpenApi: { summary: "This document" },
  GetDashboard: { summary: "The dashboard (an HTML page)", content: "text/html" },
  GetDashboardAsset: {
    summary: "A script or style of the dashboard",
    params: z.object({ file: dashboardFileSchema }),
    content: "text/plain",
  },
};
