import { segmentKeys } from "../../src/app/segment-store";
import { createClients } from "../../src/clients";
import { generationKeysOf } from "../../src/domain/index-record";
import type { FailpointName } from "../../src/failpoints";
import { localSettings } from "../../src/local/local-stack";
import { createCatalog } from "../../src/wiring";
import type { Client } from "./http";
import { storedKeys } from "./objects";
import type { ServerProcess } from "./server-process";
import type { useServerProcesses } from "./stacks";

/**
 * After a restart: sweeps every second (orphans older than 2 s), short task leases. Autotune jobs
 * started after it keep the default lease: the crashed job's 2-second lease was written before the
 * crash, so it still expires at once, while a 2-second lease of its own would end a new job whose
 * start and plan took that long before its first renewal (a slow machine), and fail it as
 * abandoned.
 */
const RECOVERY_ENV = {
  VECTORD_SCHEDULE_SECONDS: "1",
  VECTORD_SWEEP_MINUTES: "0",
  VECTORD_ORPHAN_GRACE_SECONDS: "2",
  VECTORD_TASK_LEASE_SECONDS: "2",
  VECTORD_IMPORT_STALL_SECONDS: "2",
};

/** Crashing the local stack's child processes `servers` at failpoints, and restarting it. */
export function crashHelpers(servers: ReturnType<typeof useServerProcesses>) {
  return {
    /** Starts the stack armed to stop at `point`, runs `setup`, then `trigger`, and kills it there. */
    async crashAt(
      point: `${FailpointName}@${number}` | FailpointName,
      setup: (api: Client) => Promise<void>,
      trigger: (api: Client) => Promise<unknown>,
    ): Promise<void> {
      const { server, api } = await servers.start({
        VECTORD_FAILPOINTS: point,
        VECTORD_SCHEDULE_SECONDS: "0",
        VECTORD_AUTOTUNE_LEASE_SECONDS: "2",
        VECTORD_TASK_LEASE_SECONDS: "2",
      });
      await setup(api);
      // The request never gets its answer: the process dies holding it.
      void trigger(api).catch(() => undefined);
      await server.waitFor(`FAILPOINT ${point.split("@")[0]}`);
      await server.kill();
    },
    /** Starts the stack again on the same data, recovering quickly; and its storage, read directly. */
    async restart(): Promise<{ server: ServerProcess; api: Client; storage: ChildStorage }> {
      const { server, api } = await servers.start(RECOVERY_ENV);
      const match = /emulators: S3 (\S+) \(bucket \S+\), DynamoDB (\S+)/.exec(server.output());
      if (!match) throw new Error(`no emulator endpoints in:\n${server.output()}`);
      return { server, api, storage: childStorage(match[1] as string, match[2] as string) };
    },
  };
}

export type ChildStorage = ReturnType<typeof childStorage>;

/** The child's S3 and DynamoDB, read directly: what is stored, and what the catalog names. */
function childStorage(s3: string, dynamodb: string) {
  const settings = localSettings({ s3, dynamodb });
  const clients = createClients(settings);
  const catalog = createCatalog(settings, clients);
  const referenced = async (index: string) => {
    const record = await catalog.get(index);
    if (!record) return [];
    const out = record.segments.flatMap((ref) => Object.values(segmentKeys(record, ref.id)));
    if (record.active) out.push(...generationKeysOf(record.active));
    return [...new Set(out)].sort();
  };
  return {
    catalog,
    /** Waits until the index's stored objects are exactly those its catalog names. */
    async noOrphans(index: string, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const stored = await storedKeys(settings, `indexes/${index}/`);
        const named = await referenced(index);
        // Values files exist only for segments that upsert, directories only for large
        // manifests: compare what is stored to the names.
        const missing = stored.filter((k) => !named.includes(k));
        const optional = (k: string) => k.endsWith(".f32") || k.endsWith(".dir");
        const lost = named.filter((k) => !stored.includes(k) && !optional(k));
        if (missing.length === 0 && lost.length === 0) return;
        if (Date.now() > until) {
          throw new Error(`orphans ${JSON.stringify(missing)}, missing ${JSON.stringify(lost)}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}
