import { z } from "zod";
import type { RouteSchemas } from "./api-schemas";
import { job, jobList, jobStarted, policy } from "./autotune-responses";
import { searchAnswer } from "./data-responses";
import { indexParams as index } from "./data-route-schemas";
import {
  activateBody,
  activationIdSchema,
  indexNameSchema,
  profileIdSchema,
  putProfileBody,
  runIdSchema,
  waitQuery,
} from "./schemas";
import { profileSearchBody } from "./search-schemas";
import {
  activationDone,
  activationView,
  evalPage,
  evalSet,
  evalSetMade,
  harnessRun,
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
  listEvalsQuery,
  listTrialsQuery,
  promoteQuery,
  putPolicyBody,
  startAutotuneBody,
  trialBody,
  trialIdSchema,
} from "./tuning-schemas";

const harness = z.object({ name: harnessNameSchema });
const profileParams = z.object({ id: profileIdSchema });

/**
 * What the tuning routes take and answer (harnesses, trials, promotion, activation, profiles,
 * autotune and its policies), by route id.
 */
export const TUNING_ROUTE_SCHEMAS: Record<string, RouteSchemas> = {
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
  ListEvals: {
    summary: "A page of harnesses in name order (of one index, or all), and the next page's token",
    query: listEvalsQuery,
    response: evalPage,
  },
  GetEval: { summary: "One harness (without its vectors)", params: harness, response: evalSet },
  DeleteEval: {
    summary:
      "Delete a harness (its trials stay); 409 harness_in_use while its index's autotune policy names it",
    params: harness,
    success: 204,
  },
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
  DeleteProfile: {
    summary: "Delete a search profile (its indexes and their generations stay)",
    params: profileParams,
    success: 204,
  },
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
    also: 200,
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
};
