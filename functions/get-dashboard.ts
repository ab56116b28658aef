import { apiHandler } from "../src/http/api-handler";
import { dashboardAsset, dashboardFileSchema } from "../src/http/dashboard-assets";

/** GET / (the page) and GET /dashboard/{file} (its scripts and styles). */
export const handler = apiHandler(async (req) => {
  const file = req.event.pathParameters?.file;
  const name = file === undefined ? "index.html" : req.path("file", dashboardFileSchema);
  const { body, type } = dashboardAsset(name);
  return {
    statusCode: 200,
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
});
