import { expect } from "vitest";
import { IMPORT_TASKS } from "../../infra/import-workflow";
import { DEFAULT_ROUTE } from "../../infra/routes";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { encodeNpy } from "../support/vector-files";
import { randomRows } from "../support/vectors";
import { apiEvent } from "./api-event";
import { type DeployedCalls, PKG, route } from "./deployed-calls";
import type { WrittenData } from "./journey-data";

// A chapter of the deployed packages' journey (./packages.test.ts).

/**
 * A rollback, a bulk import through a signed upload, the dashboard and OpenAPI pages, an unknown
 * route, deletes, and the index's deletion with the purge of its objects.
 */
export async function importsPagesAndDeletes(calls: DeployedCalls, data: WrittenData) {
  const { dimension } = data;
  const { api, settledTask, host, settings, clients, answered } = calls;
  const index = PKG;
  expect((await api("RollbackPromotion", index)).status).toBe(200);
  // Bulk import: a signed upload, then the import workflow's bundled tasks write the rows.
  const upload = await api("CreateUpload", { body: { format: "npy" } });
  expect(upload.status).toBe(201);
  const rows = randomRows(20, dimension, 9);
  const put = await fetch(upload.body.upload_url, { method: "PUT", body: encodeNpy(rows) });
  expect(put.status).toBe(200);
  const started = await api("StartImport", {
    ...index,
    body: { source: upload.body.source, format: "npy", id_prefix: "imp-" },
  });
  expect(started.status).toBe(202);
  const importParams = { params: { index: "pkg", import_id: started.body.import_id } };
  let imported = started.body;
  for (let i = 0; i < 200 && imported.status === "RUNNING"; i++) {
    await new Promise((r) => setTimeout(r, 100));
    imported = (await api("GetImport", importParams)).body;
  }
  expect(imported).toMatchObject({ status: "SUCCEEDED", rows_done: 20 });
  for (const task of Object.values(IMPORT_TASKS)) answered.add(task.id);
  expect((await api("GetVector", { params: { index: "pkg", id: "imp-19" } })).status).toBe(200);
  // The dashboard ships in its bundle's dashboard/ folder: the page and uPlot.
  const page = await host.call("GetDashboard", apiEvent(route("GetDashboard")));
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('<script type="module" src="/dashboard/app.js">');
  const uplot = await host.call(
    "GetDashboardAsset",
    apiEvent(route("GetDashboardAsset"), { params: { file: "uPlot.esm.js" } }),
  );
  expect(uplot.headers["content-type"]).toMatch(/javascript/);
  expect(uplot.body).toContain("uPlot");
  answered.add("GetDashboard").add("GetDashboardAsset");
  const openapi = await api("GetOpenApi");
  expect(Object.keys(openapi.body.paths)).toContain("/vectors/indexes/{index}/imports");
  const missing = await host.call(DEFAULT_ROUTE.id, apiEvent("$default", { path: "/nope" }));
  expect(missing.statusCode).toBe(404);
  expect(JSON.parse(missing.body).error.code).toBe("route_not_found");
  answered.add(DEFAULT_ROUTE.id);
  expect((await api("DeleteVector", { params: { index: "pkg", id: "v1" } })).status).toBe(204);
  const deleted = await api("DeleteVectors", { ...index, body: { ids: ["v1", "v2", "none"] } });
  expect(deleted.body).toMatchObject({ deleted: 1 });
  const harness = { params: { name: "pkg-h" } };
  expect((await api("DeleteEval", harness)).body.error.code).toBe("harness_in_use");
  expect((await api("DeletePolicy", index)).status).toBe(204);
  expect((await api("DeleteEval", harness)).status).toBe(204);
  expect(await new S3BlobStore(clients.s3, settings.bucket).list("_hnsw_evals/pkg-h/")).toEqual([]);
  expect((await api("DeleteIndex", index)).status).toBe(204);
  // The request removed the record; the PurgeIndex bundle removed the objects.
  expect(await settledTask("PurgeIndex")).toBeGreaterThan(0);
  const bucket = new S3BlobStore(clients.s3, settings.bucket);
  expect(await bucket.list("indexes/pkg/")).toEqual([]);
  expect(await bucket.list("_hnsw_snapshots/pkg/")).toEqual([]);
}
