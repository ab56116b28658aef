import { apiHandler } from "../src/http/api-handler";
import { dashboardFileSchema, dashboardResponse } from "../src/http/dashboard-assets";

/** GET / (the page) and GET /dashboard/{file} (its scripts and styles). */
export const handler = apiHandler(async (req) => {
  const file = req.event.pathParameters?.file;
  const name = file === undefined ? "index.html" : req.path("file", dashboardFileSchema);
  return { statusCode: 200, ...dashboardResponse(name) };
});
