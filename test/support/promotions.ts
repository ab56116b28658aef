import type { Client } from "./http";
import type { TestStack } from "./stacks";
import { indexWithHarness } from "./vectors";

/** Helpers of the promotion and activation tests, over one local stack. */
export function promotionHelpers(env: TestStack & { readonly api: Client }) {
  const { api } = env;
  return {
    /** An index with vectors, a harness, and `efSearches.length` trials from one build. */
    async indexWithTrials(name: string, efSearches: number[], count = 60, dimension = 8) {
      await indexWithHarness(api, name, { count, dimension, seed: name.length, queries: 5, k: 3 });
      const trials = await env.services.trials.runBuildGroup({
        indexName: name,
        harness: `${name}-h`,
        build: { m: 8, ef_construction: 20, seed: 42 },
        efSearches,
        source: "manual",
      });
      return trials.map((t) => t.trial_id);
    },
    /** Promotes a trial, by `by`, with the note `n-<trial id>`. */
    promote: (index: string, trialId: string, by = "tester") =>
      api.post(`/vectors/hnsw/promote/${index}/${trialId}?promoted_by=${by}&note=n-${trialId}`),
  };
}
