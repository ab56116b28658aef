import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import dynalite from "dynalite";

/**
 * Emulators of DynamoDB (dynalite) and S3 (s3rver), running in this process on 127.0.0.1: s3rver
 * on a worker thread (its hashing and file I/O would otherwise take turns with the handlers).
 */
export interface Emulators {
  /** dynalite's URL. */
  readonly dynamodbEndpoint: string;
  /** s3rver's URL. */
  readonly s3Endpoint: string;
  /** Stops both (and removes a temporary directory). */
  stop(): Promise<void>;
}

/** Options of {@link startEmulators}. */
export interface EmulatorOptions {
  /**
   * Directory for the emulators' data (`dynamodb/` LevelDB, `s3/` files). When omitted,
   * DynamoDB lives in memory and S3 in a temporary directory removed on stop.
   */
  readonly dataDir?: string | undefined;
  /** Ports to listen on (0, the default, picks free ones). */
  readonly dynamodbPort?: number;
  /** See `dynamodbPort`. */
  readonly s3Port?: number;
}

const HOST = "127.0.0.1";

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

/**
 * Claims a data directory for this process: LevelDB allows one owner, and a second one would
 * fail later and obscurely. A claim whose process is gone is taken over.
 */
function claimDataDir(dataDir: string): () => void {
  const pidFile = join(dataDir, "vectord.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8"));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (alive) throw new DataDirInUseError(`${dataDir} is in use by another vectord (pid ${pid})`);
  }
  writeFileSync(pidFile, String(process.pid));
  return () => rmSync(pidFile, { force: true });
}

/** The data directory belongs to another running vectord. */
export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
}

/**
 * Starts dynalite and s3rver (on a worker thread) on `options`' ports, or free ones; in memory (and
 * a temporary directory) unless `options.dataDir` names where to keep their data. Creating the
 * service's tables and bucket is the caller's.
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const persistent = options.dataDir !== undefined;
  if (persistent) mkdirSync(options.dataDir as string, { recursive: true });
  const release = persistent ? claimDataDir(options.dataDir as string) : () => undefined;
  const dynamoDir = persistent ? join(options.dataDir as string, "dynamodb") : undefined;
  const s3Dir = persistent
    ? join(options.dataDir as string, "s3")
    : mkdtempSync(join(tmpdir(), "vectord-s3-"));
  if (dynamoDir) mkdirSync(dynamoDir, { recursive: true });
  mkdirSync(s3Dir, { recursive: true });

  const dynamo: Server = dynalite({
    ...(dynamoDir ? { path: dynamoDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    dynamo.once("error", reject);
    dynamo.listen(options.dynamodbPort ?? 0, HOST, () => resolve());
  });
  const dynamoPort = (dynamo.address() as AddressInfo).port;

  const s3 = await startS3Worker(options.s3Port ?? 0, s3Dir);

  return {
    dynamodbEndpoint: `http://${HOST}:${dynamoPort}`,
    s3Endpoint: `http://${HOST}:${s3.port}`,
    async stop() {
      await Promise.all([closeServer(dynamo), s3.stop()]);
      if (!persistent) rmSync(s3Dir, { recursive: true, force: true });
      release();
    },
  };
}

/** s3rver on a worker thread (`s3-worker.mjs`): its port, and how to stop it. */
async function startS3Worker(port: number, directory: string) {
  const worker = new Worker(new URL("./s3-worker.mjs", import.meta.url), {
    workerData: { address: HOST, port, directory },
  });
  const started = await new Promise<number>((resolve, reject) => {
    worker.once("message", (m: { port: number }) => resolve(m.port));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the S3 emulator exited with ${code}`)));
  });
  return {
    port: started,
    async stop() {
      await new Promise<void>((resolve) => {
        worker.once("message", () => resolve());
        worker.postMessage("stop");
      });
      await worker.terminate();
    },
  };
}
