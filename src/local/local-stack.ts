import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SCHEDULE } from "../../infra/autotune-workflow";
import { DEFAULT_ROUTE, ROUTES } from "../../infra/routes";
import { LOCAL_BUCKET_NAME, TABLES, type TableKey } from "../../infra/tables";
import { createClients } from "../clients";
import type { ApiHandler } from "../http/api-handler";
import { type Settings, settingsToEnv } from "../settings";
import { ensureResources } from "./bootstrap";
import { startEmulators } from "./emulators";
import { type BoundRoute, createLocalServer } from "./http-server";
import { REPO_ROOT } from "./repo-root";

/** Options of the local stack. */
export interface LocalStackOptions {
  /** HTTP port (0 picks a free one). */
  readonly port?: number;
  /** Data directory; omitted means in memory (tests). */
  readonly dataDir?: string | undefined;
  /** Receives one line per request, and start-up lines. */
  readonly log?: (line: string) => void;
  /** Seconds between runs of the scheduled autotune handler (0: never; default 0). */
  readonly scheduleSeconds?: number;
}

/**
 * A running local stack: the whole API on `url`, the settings its handlers run with, and how to
 * stop it.
 */
export interface LocalStack {
  /** The API's base URL. */
  readonly url: string;
  /** Its port. */
  readonly port: number;
  /** The settings its handlers run with (the emulators' endpoints). */
  readonly settings: Settings;
  /** Stops the server and the timer, lets in-process work finish, then stops the workers and emulators. */
  stop(): Promise<void>;
}

/** Settings of the local stack: the local bucket and table names, at the emulators' endpoints. */
export function localSettings(endpoints: { s3: string; dynamodb: string }): Settings {
  return {
    region: "us-east-1",
    bucket: LOCAL_BUCKET_NAME,
    tables: Object.fromEntries(
      Object.entries(TABLES).map(([key, spec]) => [key, spec.localName]),
    ) as Record<TableKey, string>,
    endpoints,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  };
}

/**
 * Starts the emulators, creates the bucket and tables, points the handlers at them through the
 * same environment variables Lambda uses, loads every handler of the route table and serves it.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const emulators = await startEmulators({ dataDir: options.dataDir });
  const settings = localSettings({
    s3: emulators.s3Endpoint,
    dynamodb: emulators.dynamodbEndpoint,
  });
  await ensureResources(createClients(settings), settings);
  Object.assign(process.env, settingsToEnv(settings));
  // CloudWatch metrics are an AWS concern: locally they would only be JSON noise on stdout.
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";

  const load = async (entry: string) =>
    ((await import(pathToFileURL(resolve(REPO_ROOT, entry)).href)) as { handler: ApiHandler })
      .handler;
  const routes: BoundRoute[] = await Promise.all(
    ROUTES.map(async (route) => ({ route, handler: await load(route.entry) })),
  );
  // The workflows' task handlers load, and their definitions validate, before the first job.
  const workflows = await import("./local-workflow");
  await Promise.all([workflows.localWorkflow().prepare(), workflows.localImports().prepare()]);
  const server: Server = createLocalServer(routes, await load(DEFAULT_ROUTE.entry), {
    log: options.log,
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, "127.0.0.1", () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  // EventBridge, locally: the same scheduled handler on a timer (loaded only when enabled).
  const scheduleSeconds = options.scheduleSeconds ?? 0;
  let timer: NodeJS.Timeout | undefined;
  if (scheduleSeconds > 0) {
    const schedule = await import(pathToFileURL(resolve(REPO_ROOT, SCHEDULE.function.entry)).href);
    timer = setInterval(() => {
      schedule.handler({ time: new Date().toISOString() }).catch((err: Error) => {
        options.log?.(`scheduled autotune failed: ${err.message}`);
      });
    }, scheduleSeconds * 1000);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    settings,
    async stop() {
      if (timer) clearInterval(timer);
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      // The handlers share one services module (one per process, as on Lambda): stop its workers.
      const { services } = await import("../services");
      await workflows.localWorkflow().drain();
      await workflows.localImports().drain();
      await (await import("./local-tasks")).localTasks().drain();
      await services.close();
      await emulators.stop();
    },
  };
}
