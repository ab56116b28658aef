import { z } from "zod";

// Field schemas the API's answers share (see ./data-responses.ts, ./tuning-responses.ts and
// ./autotune-responses.ts).

/** A count or other non-negative integer, described. */
export const count = (description: string) => z.int().min(0).meta({ description });

/** An ISO 8601 timestamp, described. */
export const timestamp = (description: string) =>
  z.string().meta({ description: `${description} (ISO 8601)` });

/** Where a job or a run is. */
export const status = z.enum(["RUNNING", "SUCCEEDED", "FAILED"]);
