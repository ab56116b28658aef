import type { z } from "zod";
import { ValidationError } from "../domain/errors";

/** `vectors[3].values` from a zod issue path under `root`. */
function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  }
  return out || "body";
}

/**
 * Parses `value` with `schema`; on failure throws a {@link ValidationError} whose message names
 * the offending field (`where` is the field's root, e.g. `body` or `path.index`).
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const shown = issues
    .slice(0, 3)
    .map((issue) => `${formatPath(where, issue.path)}: ${issue.message}`)
    .join("; ");
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more problems)` : "";
  throw new ValidationError(`${shown}${more}`);
}
