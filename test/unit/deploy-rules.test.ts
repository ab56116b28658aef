import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ADDON_PATH } from "../../infra/bundling";
import { configFromContext, DEFAULT_CONFIG, HELD_GRAPH_BYTES_ENV_VAR } from "../../infra/config";
import { checkLambdaAddon, NativeAddonError } from "../../infra/native-addon";
import {
  evalRoot,
  generationStem,
  indexRoot,
  STORAGE_AREAS,
  segmentListKey,
  segmentStem,
  snapshotStem,
  stagedKey,
  uploadKey,
} from "../../infra/storage";
import { TABLES, type TableKey } from "../../infra/tables";
import { CATCH_UP_THREADS_ENV_VAR, settingsFromEnv, settingsToEnv } from "../../src/settings";
import { isAllowed } from "../package/iam-check";

const index = { name: "docs-1", uid: "6f1c2a4e-0000-4000-8000-000000000001" };
const grants = (pattern: string) => [
  { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::b/${pattern}` },
];
const covered = (area: keyof typeof STORAGE_AREAS, key: string) =>
  isAllowed(grants(STORAGE_AREAS[area].pattern), {
    action: "s3:GetObject",
    resource: `arn:aws:s3:::b/${key}`,
  });

/** Minimal settings, with the local stack's table names. */
const settings = {
  region: "us-east-1",
  bucket: "b",
  tables: Object.fromEntries(
    Object.entries(TABLES).map(([k, spec]) => [k, spec.localName]),
  ) as Record<TableKey, string>,
};

describe("storage layout", () => {
  it("builds every key inside its own area's IAM pattern, and outside the others'", () => {
    const keys = {
      segments: `${segmentStem(index, "seg-1")}.f32`,
      catalog: segmentListKey(index, "list-1"),
      generations: `${generationStem(index, "gen-1")}.hnsw`,
      snapshots: `${snapshotStem(index, "snap-1")}.hnsw`,
      evals: `${evalRoot("docs-h")}harness.json`,
      uploads: uploadKey("up-1", "npy"),
      staged: stagedKey("docs-1", "st-1"),
    } as const;
    for (const [area, key] of Object.entries(keys)) {
      for (const other of Object.keys(STORAGE_AREAS) as (keyof typeof STORAGE_AREAS)[]) {
        expect(covered(other, key), `${key} in ${other}`).toBe(other === area);
      }
      const list = STORAGE_AREAS[area as keyof typeof STORAGE_AREAS].listPrefix;
      expect(key.startsWith(list)).toBe(true);
    }
    expect(`${segmentStem(index, "x")}`.startsWith(indexRoot(index))).toBe(true);
    expect(segmentListKey(index, "x").startsWith(indexRoot(index))).toBe(true);
  });

  it("keeps an index named like an area inside its own keys", () => {
    const tricky = { name: "generations", uid: index.uid };
    expect(covered("generations", `${segmentStem(tricky, "s")}.json`)).toBe(false);
    expect(
      covered("segments", `${generationStem({ ...tricky, name: "segments" }, "g")}.hnsw`),
    ).toBe(false);
  });
});

describe("native addon check", () => {
  const addon = new Uint8Array(readFileSync(ADDON_PATH));

  it("accepts the addon npm ci compiled here, naming its highest symbol versions", () => {
    const found = checkLambdaAddon(addon, "addon.node");
    expect(Object.keys(found)).toEqual(expect.arrayContaining(["GLIBC", "GLIBCXX"]));
  });

  it("refuses a Mach-O, an arm64 ELF and one that needs a newer glibc, saying what it found", () => {
    const macho = new Uint8Array(64);
    new DataView(macho.buffer).setUint32(0, 0xcffaedfe, false);
    expect(() => checkLambdaAddon(macho, "a.node")).toThrow(/Mach-O \(macOS\)/);

    const arm = addon.slice();
    new DataView(arm.buffer).setUint16(0x12, 183, true);
    expect(() => checkLambdaAddon(arm, "a.node")).toThrow(/machine 183/);

    // Same-length edit of a needed version string: GLIBC_2.14 becomes GLIBC_2.99.
    const text = Buffer.from(addon).toString("latin1").replace("GLIBC_2.14\0", "GLIBC_2.99\0");
    const newer = new Uint8Array(Buffer.from(text, "latin1"));
    expect(() => checkLambdaAddon(newer, "a.node")).toThrow(NativeAddonError);
    expect(() => checkLambdaAddon(newer, "a.node")).toThrow(
      /needs GLIBC_2\.99, but Lambda's Amazon Linux 2023 provides at most GLIBC_2\.34/,
    );
  });
});

describe("stack settings from context", () => {
  it("defaults to CORS off, no reserved concurrency and the route table's throttle", () => {
    expect(configFromContext(() => undefined)).toEqual(DEFAULT_CONFIG);
  });

  it("reads origins, throttle and reservations, and refuses a bad number by name", () => {
    const context: Record<string, string> = {
      "vectord:corsOrigins": "https://a.example, https://b.example",
      "vectord:throttleRate": "50",
      "vectord:builderConcurrency": "3",
    };
    expect(configFromContext((k) => context[k])).toMatchObject({
      corsOrigins: ["https://a.example", "https://b.example"],
      throttle: { rateLimit: 50, burstLimit: DEFAULT_CONFIG.throttle.burstLimit },
      builderConcurrency: 3,
    });
    expect(() =>
      configFromContext((k) => (k === "vectord:throttleBurst" ? "-1" : undefined)),
    ).toThrow('context vectord:throttleBurst must be a positive integer, got "-1"');
    const pendingAlarm = (value: string) =>
      configFromContext((k) => (k === "vectord:pendingAlarm" ? value : undefined))
        .pendingVectorsAlarm;
    expect(pendingAlarm("25000")).toBe(25_000);
    expect(() => pendingAlarm("1e3.5")).toThrow(
      'context vectord:pendingAlarm must be a positive integer, got "1e3.5"',
    );
  });

  it.each([
    ["graph builders", "builderMemoryMb", 3538],
    ["graph servers", "searchMemoryMb", 1769],
  ] as const)(
    "sizes the %s' memory from 1,769 to 10,240 MB, and refuses anything else by name",
    (_, key, declared) => {
      const value = (text: string) =>
        configFromContext((k) => (k === `vectord:${key}` ? text : undefined))[key];
      expect(configFromContext(() => undefined)[key]).toBe(declared);
      expect(value("1769")).toBe(1769);
      expect(value("10240")).toBe(10_240);
      for (const bad of ["1768", "10241", "4096.5", "lots"]) {
        expect(() => value(bad)).toThrow(
          `context vectord:${key} must be an integer 1769..10240 (MB), got "${bad}"`,
        );
      }
    },
  );

  it.each([
    ["catalog folds", "catalogFolds", "VECTORD_CATALOG_FOLDS"],
    ["id directories", "idDirectories", "VECTORD_ID_DIRECTORIES"],
  ] as const)(
    "turns %s off only when asked, and refuses anything but on or off",
    (_, key, variable) => {
      const value = (text: string) =>
        configFromContext((k) => (k === `vectord:${key}` ? text : undefined))[key];
      expect(value("off")).toBe(false);
      expect(value("on")).toBe(true);
      expect(configFromContext(() => undefined)[key]).toBe(true);
      expect(() => value("no")).toThrow(`context vectord:${key} must be "on" or "off", got "no"`);
      // The functions read it back from their environment.
      expect(settingsFromEnv(settingsToEnv({ ...settings, [key]: false }))[key]).toBe(false);
      expect(settingsFromEnv(settingsToEnv(settings))[key]).toBeUndefined();
      expect(() => settingsFromEnv({ ...settingsToEnv(settings), [variable]: "false" })).toThrow(
        `environment variable ${variable} must be "on" or "off", got "false"`,
      );
    },
  );

  it("reads the catch-up's threads from the environment, and refuses a count that is not 1..256", () => {
    expect(settingsFromEnv(settingsToEnv({ ...settings, catchUpThreads: 1 })).catchUpThreads).toBe(
      1,
    );
    expect(
      settingsFromEnv(settingsToEnv({ ...settings, catchUpThreads: 256 })).catchUpThreads,
    ).toBe(256);
    expect(settingsFromEnv(settingsToEnv(settings)).catchUpThreads).toBeUndefined();
    for (const bad of ["0", "2.5", "257", "two", ""]) {
      expect(() =>
        settingsFromEnv({ ...settingsToEnv(settings), [CATCH_UP_THREADS_ENV_VAR]: bad }),
      ).toThrow(
        `environment variable ${CATCH_UP_THREADS_ENV_VAR} must be an integer 1..256, got "${bad}"`,
      );
    }
  });

  it("reads the held graphs' budget from context (MB), and refuses anything but 0..10,240 by name", () => {
    const held = (value: string) =>
      configFromContext((k) => (k === "vectord:heldGraphMb" ? value : undefined)).heldGraphMb;
    expect(held("2048")).toBe(2048);
    expect(held("0")).toBe(0);
    expect(configFromContext(() => undefined).heldGraphMb).toBeNull();
    for (const bad of ["-1", "10241", "1.5", "big"]) {
      expect(() => held(bad)).toThrow(
        `context vectord:heldGraphMb must be an integer 0..10240 (MB), got "${bad}"`,
      );
    }
  });

  it("keeps graphs for catch-ups within a third of a Lambda function's memory above 512 MB, unless set", () => {
    const env = settingsToEnv(settings);
    expect(settingsFromEnv(env).heldGraphBytes).toBeUndefined();
    // The generation function's default 3,538 MB: the largest graph its sizing rule builds.
    const lambda = { ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "3538" };
    expect(settingsFromEnv(lambda).heldGraphBytes).toBe(Math.floor((3026 * 2 ** 20) / 3));
    expect(settingsFromEnv({ ...lambda, [HELD_GRAPH_BYTES_ENV_VAR]: "0" }).heldGraphBytes).toBe(0);
    const set = settingsToEnv({ ...settings, heldGraphBytes: 5_000_000 });
    expect(settingsFromEnv(set).heldGraphBytes).toBe(5_000_000);
    for (const bad of ["-1", "2.5", "1e9", "lots", ""]) {
      expect(() => settingsFromEnv({ ...env, [HELD_GRAPH_BYTES_ENV_VAR]: bad })).toThrow(
        `environment variable ${HELD_GRAPH_BYTES_ENV_VAR} must be an integer of bytes ≥ 0, got "${bad}"`,
      );
    }
  });
});
