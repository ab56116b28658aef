import { type Command, Option } from "commander";
import type { components } from "../client/api-types";
import type { Api } from "./api";
import { type Context, integer, jsonArg, number } from "./args";
import { CliError, EXIT, type Output, pretty, table } from "./output";
import { type RunAnswer, settledRun, waitOption, waitParams } from "./task-run";

/** A trial as the API answers it (the OpenAPI document's `Trial`). */
type TrialView = components["schemas"]["Trial"];

interface JobView {
  job_id: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  strategy: string;
  progress: { round: number; builds_planned: number; builds_done: number };
  trials: TrialView[];
  winner: TrialView | null;
  promoted: boolean;
  reason: string | null;
  stop_reason: string | null;
}

const configText = (c: TrialView["config"]) =>
  `m=${c.m} efc=${c.ef_construction} ef=${c.ef_search}`;
const trialRow = (t: TrialView) => [
  t.trial_id,
  t.harness,
  configText(t.config),
  // A trial older than the tie rule counted ids: its recall reads low on data with copies.
  `${t.metrics.recall_at_k.toFixed(4)}@${t.metrics.k}${t.metrics.recall_rule === "ids" ? " (ids)" : ""}`,
  t.metrics.recall_stderr === undefined ? "-" : t.metrics.recall_stderr.toFixed(4),
  Math.round(t.metrics.search_latency_p50_us),
  t.metrics.build_time_ms,
];
// The harness and k beside recall: recall on different harnesses, or at another k, does not
// compare; and its standard error, how far another sample of as many queries may read.
const TRIAL_HEADER = ["TRIAL", "HARNESS", "CONFIG", "RECALL@K", "STDERR", "P50_US", "BUILD_MS"];

/** `trial`, `trials`, `autotune`, `promote`, `rollback`, `activate`, `policies`. */
export function tuningCommands(program: Command, ctx: Context): void {
  program
    .command("trial")
    .description("build a graph with a config and measure it on a harness")
    .requiredOption("--index <name>", "the index")
    .requiredOption("--harness <name>", "the harness")
    .option("--m <m>", "graph degree", integer("--m", 2), 16)
    .requiredOption("--ef-construction <n>", "build beam", integer("--ef-construction", 1))
    .requiredOption("--ef-search <n>", "search beam", integer("--ef-search", 1))
    .option("--seed <n>", "build seed", integer("--seed"), 42)
    .addOption(waitOption())
    .action(
      async (o: {
        index: string;
        harness: string;
        m: number;
        efConstruction: number;
        efSearch: number;
        seed: number;
        waitSeconds?: number;
      }) => {
        const { api, out } = ctx();
        const config = {
          m: o.m,
          ef_construction: o.efConstruction,
          ef_search: o.efSearch,
          seed: o.seed,
        };
        const answered = await api.call<RunAnswer>(
          api.client.POST("/vectors/hnsw/trial", {
            params: waitParams(o),
            body: { index_name: o.index, harness: o.harness, config },
          }),
        );
        // 202: the build outlasted the request; the trial's run is polled until it ends.
        const run_id = String(answered.run_id);
        const run = await settledRun("trial", answered, () =>
          api.call<RunAnswer>(
            api.client.GET("/vectors/hnsw/trial-runs/{index}/{run_id}", {
              params: { path: { index: o.index, run_id } },
            }),
          ),
        );
        // A run that ended within the request answered with its trial (201), which has no status.
        const got = (run.status === "SUCCEEDED"
          ? { ...(run.result as object), run_id }
          : run) as unknown as TrialView;
        out.result(got, (t) => table(TRIAL_HEADER, [trialRow(t)]));
      },
    );

  program
    .command("trials <index>")
    .description("an index's trials, newest first")
    .option("--limit <n>", "at most", integer("--limit", 1), 50)
    .action(async (index: string, o: { limit: number }) => {
      const { api, out } = ctx();
      const got = await api.call<{ trials: TrialView[] }>(
        api.client.GET("/vectors/hnsw/trials/{index}", {
          params: { path: { index }, query: { limit: o.limit } },
        }),
      );
      out.result(got, (r) => table(TRIAL_HEADER, r.trials.map(trialRow)));
    });

  program
    .command("autotune")
    .description("tune an index on a harness and promote the winner")
    .requiredOption("--index <name>", "the index")
    .requiredOption("--harness <name>", "the harness")
    .addOption(new Option("--strategy <s>", "what wins").choices(["max_recall", "target_recall"]))
    .option("--min-recall <r>", "recall gate or target", number("--min-recall"))
    .option("--max-builds <n>", "target_recall: graph builds at most", integer("--max-builds", 1))
    .option("--grid <json>", "max_recall: the configs to measure", jsonArg("--grid"))
    .option("--watch", "follow the job's rounds and builds until it ends")
    .action(async (o: AutotuneFlags) => {
      const { api, out } = ctx();
      const body = {
        index_name: o.index,
        harness: o.harness,
        ...(o.strategy && { strategy: o.strategy }),
        ...(o.minRecall !== undefined && { min_recall: o.minRecall }),
        ...(o.maxBuilds && { max_builds: o.maxBuilds }),
        ...(o.grid !== undefined && { grid: o.grid as never }),
      };
      let job = await api.call<JobView>(api.client.POST("/vectors/hnsw/autotune", { body }));
      if (o.watch) job = await watch(api, out, job.job_id);
      out.result(job, jobText);
      if (job.status === "FAILED")
        throw new CliError(`job ${job.job_id} failed: ${job.reason}`, EXIT.jobFailed);
    });

  program
    .command("promote <index> <trial_id>")
    .description("promote a trial of the index")
    .option("--by <who>", "recorded as promoted_by (default: your identity)")
    .option("--note <text>", "why")
    .action(async (index: string, trialId: string, o: { by?: string; note?: string }) => {
      const { api, out } = ctx();
      const query = { ...(o.by && { promoted_by: o.by }), ...(o.note && { note: o.note }) };
      const got = await api.call(
        api.client.POST("/vectors/hnsw/promote/{index}/{trial_id}", {
          params: { path: { index, trial_id: trialId }, query },
        }),
      );
      out.result(got, pretty);
    });
  program
    .command("rollback <index>")
    .description("roll the promotion back to the previous entry")
    .action(async (index: string) => {
      const { api, out } = ctx();
      out.result(
        await api.call(
          api.client.POST("/vectors/hnsw/rollback/{index}", { params: { path: { index } } }),
        ),
        pretty,
      );
    });
  program
    .command("activate <index>")
    .description(
      "serve the promoted config (or --default-config) as a new generation; waits for its task",
    )
    .option("--default-config <json>", "used when nothing is promoted", jsonArg("--default-config"))
    .addOption(waitOption())
    .action(async (index: string, o: { defaultConfig?: unknown; waitSeconds?: number }) => {
      const { api, out } = ctx();
      const body = o.defaultConfig ? { default_config: o.defaultConfig as never } : {};
      const params = { path: { index }, ...waitParams(o) };
      const answered = await api.call<RunAnswer>(
        api.client.POST("/vectors/hnsw/activate/{index}", { params, body }),
      );
      // 202: the build outlasted the request; the activation is polled until it ends.
      const activation_id = String(answered.activation_id);
      const job = await settledRun("activation", answered, () =>
        api.call<RunAnswer>(
          api.client.GET("/vectors/hnsw/activations/{index}/{activation_id}", {
            params: { path: { index, activation_id } },
          }),
        ),
      );
      out.result(
        job.status === "SUCCEEDED" ? { activation_id, ...(job.result as object) } : job,
        pretty,
      );
    });

  const policies = program.command("policies").description("scheduled and data-triggered autotune");
  const policyPath = (index: string) => ({ params: { path: { index } } });
  policies.command("get <index>").action(async (index: string) => {
    const { api, out } = ctx();
    out.result(
      await api.call(api.client.GET("/vectors/hnsw/autotune/policies/{index}", policyPath(index))),
      pretty,
    );
  });
  policies
    .command("set <index>")
    .description('e.g. --policy \'{"harness": "h", "every_minutes": 60}\'')
    .requiredOption("--policy <json>", "the policy", jsonArg("--policy"))
    .action(async (index: string, o: { policy: unknown }) => {
      const { api, out } = ctx();
      const got = await api.call(
        api.client.PUT("/vectors/hnsw/autotune/policies/{index}", {
          ...policyPath(index),
          body: o.policy as never,
        }),
      );
      out.result(got, pretty);
    });
  policies.command("delete <index>").action(async (index: string) => {
    const { api, out } = ctx();
    await api.call(api.client.DELETE("/vectors/hnsw/autotune/policies/{index}", policyPath(index)));
    out.result({ deleted: index }, () => `deleted the policy of "${index}"`);
  });
}

interface AutotuneFlags {
  index: string;
  harness: string;
  strategy?: "max_recall" | "target_recall";
  minRecall?: number;
  maxBuilds?: number;
  grid?: unknown;
  watch?: boolean;
}

/** Polls a job, printing each change of its round and builds, until it ends. */
async function watch(api: Api, out: Output, jobId: string): Promise<JobView> {
  let last = "";
  for (;;) {
    const job = await api.call<JobView>(
      api.client.GET("/vectors/hnsw/autotune/{job_id}", { params: { path: { job_id: jobId } } }),
    );
    const p = job.progress;
    const line = `job ${job.job_id}: ${job.status}, round ${p.round}, builds ${p.builds_done}/${p.builds_planned}, trials ${job.trials.length}`;
    if (line !== last) out.note(line);
    last = line;
    if (job.status !== "RUNNING") return job;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function jobText(job: JobView): string {
  const lines = [`job ${job.job_id}: ${job.status}`];
  if (job.trials.length) lines.push(table(TRIAL_HEADER, job.trials.map(trialRow)));
  if (job.winner)
    lines.push(
      `winner ${job.winner.trial_id} (${configText(job.winner.config)}), promoted: ${job.promoted}`,
    );
  if (job.reason) lines.push(`reason: ${job.reason}`);
  return lines.join("\n");
}
