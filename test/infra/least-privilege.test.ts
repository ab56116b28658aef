import { describe, expect, it } from "vitest";
import { ALL_FUNCTIONS } from "../../infra/all-functions";
import { BACKGROUND_TASKS, type BackgroundTaskName } from "../../infra/background-tasks";
import { ephemeralStorageMb, GRAPH_BUILDING_MEMORY_MB } from "../../infra/function-spec";
import { ROUTES } from "../../infra/routes";
import { TABLES } from "../../infra/tables";
import { iamOf, synth } from "./synthesized";

const { stack, template } = synth();
const { logicalId, bucketId, tableId, statementsOf, dataStatements, objects, table } = iamOf(
  stack,
  template,
);

describe("least privilege", () => {
  it("lets search read segments, generations and the catalog (item and segment lists), nothing else", () => {
    expect(dataStatements("Search")).toEqual([
      {
        Sid: "ObjectsSegments",
        Action: "s3:GetObject",
        Effect: "Allow",
        Resource: objects("indexes/*/segments/*"),
      },
      {
        Sid: "ObjectsGenerations",
        Action: "s3:GetObject",
        Effect: "Allow",
        Resource: objects("indexes/*/generations/*"),
      },
      {
        Sid: "ObjectsCatalog",
        Action: "s3:GetObject",
        Effect: "Allow",
        Resource: objects("indexes/*/catalog/*"),
      },
      { Action: "dynamodb:GetItem", Effect: "Allow", Resource: table("indexes") },
    ]);
  });

  it.each(["DeleteVector", "DeleteVectors"])(
    "lets %s write segments only: it can never delete trial snapshots",
    (id) => {
      expect(dataStatements(id)).toEqual([
        {
          Sid: "ObjectsSegments",
          Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"],
          Effect: "Allow",
          Resource: objects("indexes/*/segments/*"),
        },
        {
          Sid: "ObjectsCatalog",
          Action: "s3:GetObject",
          Effect: "Allow",
          Resource: objects("indexes/*/catalog/*"),
        },
        {
          Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          Effect: "Allow",
          Resource: table("indexes"),
        },
      ]);
    },
  );

  it("lets deleting an index remove its records and start the purge, which alone lists and deletes its objects", () => {
    expect(dataStatements("DeleteIndex")).toEqual([
      {
        Sid: "ObjectsCatalog",
        Action: "s3:GetObject",
        Effect: "Allow",
        Resource: objects("indexes/*/catalog/*"),
      },
      { Action: "dynamodb:DeleteItem", Effect: "Allow", Resource: table("indexes") },
      { Action: "dynamodb:DeleteItem", Effect: "Allow", Resource: table("promotions") },
      { Action: "dynamodb:DeleteItem", Effect: "Allow", Resource: table("policies") },
      { Action: "dynamodb:DeleteItem", Effect: "Allow", Resource: table("leases") },
    ]);
    expect(dataStatements("PurgeIndex")).toEqual([
      {
        Sid: "ObjectsSegments",
        Action: "s3:DeleteObject",
        Effect: "Allow",
        Resource: objects("indexes/*/segments/*"),
      },
      {
        Sid: "ObjectsCatalog",
        Action: ["s3:GetObject", "s3:DeleteObject"],
        Effect: "Allow",
        Resource: objects("indexes/*/catalog/*"),
      },
      {
        Sid: "ObjectsGenerations",
        Action: "s3:DeleteObject",
        Effect: "Allow",
        Resource: objects("indexes/*/generations/*"),
      },
      {
        Sid: "ObjectsSnapshots",
        Action: "s3:DeleteObject",
        Effect: "Allow",
        Resource: objects("_hnsw_snapshots/*"),
      },
      {
        Sid: "ListAreas",
        Action: "s3:ListBucket",
        Effect: "Allow",
        Resource: { "Fn::GetAtt": [bucketId(), "Arn"] },
        Condition: { StringLike: { "s3:prefix": ["indexes/*", "_hnsw_snapshots/*"] } },
      },
      { Action: "dynamodb:GetItem", Effect: "Allow", Resource: table("indexes") },
    ]);
  });

  it("lets writers start the compaction and catch-up functions, harnesses, trials and activations their tasks, and no one else", () => {
    const arnOf = (task: BackgroundTaskName) => ({
      "Fn::GetAtt": [logicalId(stack.functions[BACKGROUND_TASKS[task].id]?.fn as never), "Arn"],
    });
    for (const spec of ALL_FUNCTIONS) {
      const invokes = statementsOf(spec.id).filter((s) =>
        [s.Action].flat().includes("lambda:InvokeFunction"),
      );
      expect(invokes).toEqual(
        (spec.access.startsTasks ?? []).map((task) => ({
          Sid: `Start${BACKGROUND_TASKS[task].id}`,
          Action: "lambda:InvokeFunction",
          Effect: "Allow",
          Resource: arnOf(task),
        })),
      );
    }
    expect(
      ROUTES.filter((r) => r.access.startsTasks).map((r) => [r.id, r.access.startsTasks]),
    ).toEqual([
      ["DeleteIndex", ["purge"]],
      ["UpsertVectors", ["compact", "catchUp"]],
      ["DeleteVector", ["compact", "catchUp"]],
      ["DeleteVectors", ["compact", "catchUp"]],
      ["CreateEval", ["harness"]],
      ["AutogenEval", ["harness"]],
      ["RefreshEval", ["harness"]],
      ["RunTrial", ["trial"]],
      ["ActivateIndex", ["activate"]],
      ["ActivateProfile", ["activate"]],
    ]);
  });

  it("runs catch-ups and activations in one function, which the writers and activators start", () => {
    const generation = stack.functions[BACKGROUND_TASKS.catchUp.id];
    expect(BACKGROUND_TASKS.activate.id).toBe(BACKGROUND_TASKS.catchUp.id);
    expect(ALL_FUNCTIONS.filter((f) => f.id === BACKGROUND_TASKS.catchUp.id)).toHaveLength(1);
    const variables = (id: string) =>
      template.toJSON().Resources[logicalId(stack.functions[id]?.fn as never)].Properties
        .Environment.Variables;
    const ref = { Ref: logicalId(generation?.fn as never) };
    expect(variables("UpsertVectors").VECTORD_CATCHUP_FUNCTION).toEqual(ref);
    expect(variables("ActivateIndex").VECTORD_ACTIVATE_FUNCTION).toEqual(ref);
  });

  it.each(["catchUp", "activate", "trial", "harness"] as const)(
    "gives the %s task a graph builder's memory, /tmp and worker bundle, and 15 minutes",
    (task) => {
      const fn = stack.functions[BACKGROUND_TASKS[task].id];
      expect(fn?.spec).toMatchObject({ hnsw: "build", memoryMb: GRAPH_BUILDING_MEMORY_MB });
      const resource = template.toJSON().Resources[logicalId(fn?.fn as never)];
      expect(resource.Properties).toMatchObject({
        MemorySize: GRAPH_BUILDING_MEMORY_MB,
        Timeout: 900,
        EphemeralStorage: { Size: ephemeralStorageMb(BACKGROUND_TASKS[task]) },
      });
    },
  );

  it("builds no graph and computes no ground truth in a request: no route ships the builder, and those that start that work read no vectors", () => {
    expect(ROUTES.filter((r) => r.hnsw === "build").map((r) => r.id)).toEqual([]);
    expect(ROUTES.filter((r) => r.memoryMb === GRAPH_BUILDING_MEMORY_MB).map((r) => r.id)).toEqual(
      [],
    );
    const starters = ROUTES.filter((r) =>
      r.access.startsTasks?.some((t) => ["activate", "trial", "harness"].includes(t)),
    );
    expect(starters.map((r) => [r.id, r.access.objects ?? null])).toEqual([
      // Stages its queries for the task.
      ["CreateEval", { staged: ["write", "delete"] }],
      ["AutogenEval", null],
      // Reads the harness's description: which index, what dimension.
      ["RefreshEval", { evals: ["read"] }],
      ["RunTrial", { evals: ["read"] }],
      ["ActivateIndex", null],
      ["ActivateProfile", null],
    ]);
  });

  it("lets every function that reads an index's item read its segment lists, and only compaction write them", () => {
    const catalogGrants = (id: string) =>
      dataStatements(id)
        .filter((st) => JSON.stringify(st.Resource).includes("indexes/*/catalog/*"))
        .flatMap((st) => [st.Action].flat());
    for (const spec of ALL_FUNCTIONS) {
      const reads = spec.access.tables?.indexes !== undefined;
      expect(catalogGrants(spec.id).includes("s3:GetObject"), spec.id).toBe(reads);
      expect(catalogGrants(spec.id).includes("s3:PutObject"), spec.id).toBe(
        spec.id === "CompactIndex",
      );
    }
  });

  it("lets listing autotune jobs query the by_index index and settle jobs, nothing more", () => {
    expect(dataStatements("ListAutotune")).toEqual([
      {
        Sid: "ObjectsCatalog",
        Action: "s3:GetObject",
        Effect: "Allow",
        Resource: objects("indexes/*/catalog/*"),
      },
      { Action: "dynamodb:GetItem", Effect: "Allow", Resource: table("indexes") },
      {
        Action: "dynamodb:Query",
        Effect: "Allow",
        Resource: { "Fn::Join": ["", [table("jobs"), "/index/by_index"]] },
      },
      { Action: "dynamodb:PutItem", Effect: "Allow", Resource: table("jobs") },
      { Action: "dynamodb:GetItem", Effect: "Allow", Resource: table("leases") },
    ]);
  });

  it.each(ALL_FUNCTIONS.map((f) => [f.id, f] as const))(
    "gives %s no managed policy, its own log group only, and data access only as declared",
    (id, spec) => {
      const fn = stack.functions[id];
      const role = template.toJSON().Resources[logicalId(fn?.role as never)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const statements = statementsOf(id);
      const logs = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith("logs:")));
      expect(logs).toEqual([
        {
          Sid: "OwnLogs",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Effect: "Allow",
          Resource: { "Fn::GetAtt": [logicalId(fn?.logGroup as never), "Arn"] },
        },
      ]);
      const wildcard = statements.filter((s) => s.Resource === "*");
      expect(wildcard.flatMap((s) => [s.Action].flat()).every((a) => a.startsWith("xray:"))).toBe(
        true,
      );
      const tables = Object.keys(spec.access.tables ?? {}).sort();
      const touched = Object.keys(TABLES)
        .filter((key) =>
          JSON.stringify(dataStatements(id)).includes(tableId(key as keyof typeof TABLES)),
        )
        .sort();
      expect(touched).toEqual(tables);
      const starts = statements
        .filter((s) => [s.Action].flat().includes("states:StartExecution"))
        .map((s) => JSON.stringify(s.Resource));
      const machines = [
        ...(spec.access.startsAutotune ? [logicalId(stack.workflow.stateMachine as never)] : []),
        ...(spec.access.startsImport ? [logicalId(stack.imports.stateMachine as never)] : []),
      ];
      // Exactly the state machines it starts, each by its own ARN.
      expect(starts).toHaveLength(machines.length);
      for (const machine of machines) expect(starts.join()).toContain(machine);
    },
  );
});
