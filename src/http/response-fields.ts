import { z } from "zod";

// Field schemas the API's answers share (see ./data-responses.ts, ./tuning-responses.ts and
// ./autotune-responses.ts).

/** A count or other non-negative integer, described. */
export const count = (description: string) => z.int().min(0).meta({ description });

/** An ISO 8601 timestamp, described. */
export const timestamp = (description: string) =>
  z.string().meta({ description: `${description} (ISO 8601)` });

/** A listing page's token for the next page (absent after the last). */
export const nextToken = z
  .string()
  .optional()
  .meta({ description: "Pass back as next_token for the next page; absent after the last" });

/** Where a job or a run is. */
export const status = z.enum(["RUNNING", "SUCCEEDED", "FAILED"]);
