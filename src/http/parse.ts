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
 * Messages zod's defaults leave short of what was expected: an unknown field (`Unrecognized key:
 * "x"`) is named with the fields there are. Other issues keep their schema's message.
 */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== "unrecognized_keys") return undefined;
  const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def
    ?.shape;
  const known = shape ? Object.keys(shape) : [];
  const keys = issue.keys.map((key) => JSON.stringify(key)).join(", ");
  const expected =
    known.length === 0
      ? ""
      : `; expected ${known.length === 1 ? "" : "one of "}${known.join(", ")}`;
  return `unknown field${issue.keys.length === 1 ? "" : "s"} ${keys}${expected}`;
};

/**
 * Parses `value` with `schema`; on failure throws a {@link ValidationError} whose message names
 * the offending field (`where` is the field's root, e.g. `body` or `path.index`).
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
): z.infer<S> {
  const result = schema.safeParse(value, { error: errorMap });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const shown = issues
    .slice(0, 3)
    .map((issue) => `${formatPath(where, issue.path)}: ${issue.message}`)
    .join("; ");
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more problems)` : "";
  throw new ValidationError(`${shown}${more}`);
}
