import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/**
 * The dashboard's files: the page (src/dashboard) and uPlot (its npm package's build). Nothing is
 * built or fetched at run time: a Lambda bundle ships them in its `dashboard/` folder (see
 * `infra/bundling.ts`), the local stack and `vectord dashboard` read them from the package.
 */
export const DASHBOARD_FILES = {
  "index.html": { source: "src/dashboard/index.html", type: "text/html; charset=utf-8" },
  "app.js": { source: "src/dashboard/app.js", type: "text/javascript; charset=utf-8" },
  "page.js": { source: "src/dashboard/page.js", type: "text/javascript; charset=utf-8" },
  "plot.js": { source: "src/dashboard/plot.js", type: "text/javascript; charset=utf-8" },
  "style.css": { source: "src/dashboard/style.css", type: "text/css; charset=utf-8" },
  "uPlot.esm.js": {
    source: "node_modules/uplot/dist/uPlot.esm.js",
    type: "text/javascript; charset=utf-8",
  },
  "uPlot.min.css": {
    source: "node_modules/uplot/dist/uPlot.min.css",
    type: "text/css; charset=utf-8",
  },
} as const;

/** A file of the dashboard (a key of {@link DASHBOARD_FILES}). */
export type DashboardFile = keyof typeof DASHBOARD_FILES;

/** A dashboard file's name in a path; anything else is a 400 naming the files there are. */
export const dashboardFileSchema = z
  .enum(Object.keys(DASHBOARD_FILES) as [DashboardFile], {
    error: (issue) =>
      `"${String(issue.input)}" is not a dashboard file; expected one of ${Object.keys(DASHBOARD_FILES).join(", ")}`,
  })
  .meta({ description: "A file of the dashboard" });

const cache = new Map<DashboardFile, string>();

/** A dashboard file's text and content type, read once per process. */
function dashboardAsset(name: DashboardFile): { body: string; type: string } {
  const spec = DASHBOARD_FILES[name];
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(locate(name), "utf8");
    cache.set(name, body);
  }
  return { body, type: spec.type };
}

function locate(name: DashboardFile): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // In a Lambda bundle: index.mjs and its dashboard/ folder.
  const bundled = join(here, "dashboard", name);
  if (existsSync(bundled)) return bundled;
  // In the repository (local stack, CLI): src/http/ -> the repository root.
  return resolve(here, "../..", DASHBOARD_FILES[name].source);
}

/** A dashboard file's answer: its text and headers (the page's with its content security policy). */
export function dashboardResponse(name: DashboardFile): {
  headers: Record<string, string>;
  body: string;
} {
  const { body, type } = dashboardAsset(name);
  return {
    headers: {
      "content-type": type,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      ...(name === "index.html" && {
        "content-security-policy":
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
      }),
    },
    body,
  };
}
