import { apiHandler, json } from "../src/http/api-handler";
import { profileIdSchema, waitQuery } from "../src/http/schemas";
import { services } from "../src/services";

/**
 * POST /vectors/profiles/{id}/activate: one activation task per index of the profile, each
 * reporting alone; waits up to `wait_seconds` for them: 200 once all ended, else 202.
 */
export const handler = apiHandler(async (req) => {
  const id = req.path("id", profileIdSchema);
  const { wait_seconds } = req.query(waitQuery);
  const done = await services.profiles.activate(id, wait_seconds * 1000);
  return json(done.results.some((r) => r.status === "RUNNING") ? 202 : 200, done);
});
