import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  BACKGROUND_TASKS,
  type BackgroundTaskName,
  backgroundTaskEvent,
} from "../../infra/background-tasks";
import type { BackgroundTasks } from "../app/work-ports";
import { logger } from "../logger";
import { REPO_ROOT } from "./repo-root";

type Handler = (event: unknown) => Promise<unknown>;

/**
 * {@link BackgroundTasks} of the local stack: the same handler Lambda would run, in this process,
 * after the current request's response (a macrotask later). A task asked for while the same one
 * runs for the same index is queued once behind it, as Lambda's own retries would (each run of
 * an activation or a trial runs once).
 */
export class LocalTasks implements BackgroundTasks {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  async start(task: BackgroundTaskName, indexName: string, runId?: string): Promise<void> {
    // A run (an activation, a trial) is its own: never queued behind, or merged with, another.
    const key = [task, indexName, ...(runId ? [runId] : [])].join(":");
    this.schedule(key, BACKGROUND_TASKS[task].entry, backgroundTaskEvent(task, indexName, runId));
  }

  /** Waits for every running task (a clean stop). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private schedule(key: string, entry: string, event: unknown): void {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    const done = new Promise<void>((ok) => setImmediate(ok))
      .then(async () => {
        const module = (await import(pathToFileURL(resolve(REPO_ROOT, entry)).href)) as {
          handler: Handler;
        };
        await module.handler(event);
      })
      .catch((err: Error) => logger.error("background task failed", { task: key, error: err }))
      .finally(() => {
        this.running.delete(key);
        if (this.again.delete(key)) this.schedule(key, entry, event);
      });
    this.running.set(key, done);
  }
}

let instance: LocalTasks | undefined;

/** The process's local task runner. */
export function localTasks(): LocalTasks {
  instance ??= new LocalTasks();
  return instance;
}
