import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type LocalStack, startLocalStack } from "../../src/local/local-stack";
import type { Services } from "../../src/wiring";
import { type Client, client } from "./http";
import { type ServerProcess, startServerProcess } from "./server-process";

/** The in-process local stack (DynamoDB in memory) of one test file, and its handlers' services. */
export interface TestStack {
  readonly stack: LocalStack;
  readonly services: Services;
}

/** Starts the local stack before the file's tests and stops it after them. */
export function useLocalStack(): TestStack & { readonly api: Client } {
  const ctx = {} as { stack: LocalStack; services: Services };
  beforeAll(async () => {
    ctx.stack = await startLocalStack();
    // The handlers' own services module, built from the stack's environment.
    ctx.services = (await import("../../src/services")).services;
  });
  afterAll(async () => {
    await ctx.stack?.stop();
  });
  return Object.assign(ctx, { api: client(() => ctx.stack.url) });
}

/**
 * `npm start` in child processes sharing one data directory (so a test can restart it); every
 * process started is stopped, and the directory removed, after the file's tests.
 */
export function useServerProcesses(name: string): {
  start(env?: Record<string, string>): Promise<{ server: ServerProcess; api: Client }>;
} {
  const dataDir = mkdtempSync(join(tmpdir(), `vectord-e2e-${name}-`));
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    async start(env: Record<string, string> = {}) {
      // One process owns the directory: one a failed test left running is stopped first.
      for (const running of servers) await running.stop();
      const server = await startServerProcess(dataDir, env);
      servers.push(server);
      return { server, api: client(server.url) };
    },
  };
}
