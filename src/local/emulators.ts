import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dynalite from "dynalite";
import S3rver from "s3rver";

/** Emulators of DynamoDB (dynalite) and S3 (s3rver), running in this process on 127.0.0.1. */
export interface Emulators {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /**
   * Directory for the emulators' data (`dynamodb/` LevelDB, `s3/` files). When omitted,
   * DynamoDB lives in memory and S3 in a temporary directory removed on stop.
   */
  readonly dataDir?: string | undefined;
  /** Ports to listen on (0, the default, picks free ones). */
  readonly dynamodbPort?: number;
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

  const s3 = new S3rver({
    address: HOST,
    port: options.s3Port ?? 0,
    directory: s3Dir,
    silent: true,
  });
  const s3Address = (await s3.run()) as AddressInfo;

  return {
    dynamodbEndpoint: `http://${HOST}:${dynamoPort}`,
    s3Endpoint: `http://${HOST}:${s3Address.port}`,
    async stop() {
      await Promise.all([
        closeServer(dynamo),
        closeServer((s3 as unknown as { httpServer: Server }).httpServer),
      ]);
      if (!persistent) rmSync(s3Dir, { recursive: true, force: true });
      release();
    },
  };
}
