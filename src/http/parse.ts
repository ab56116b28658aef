import type { z } from "zod";
import { ValidationError } from "../domain/errors";
import { given } from "../domain/ranges";

/** `vectors[3].values` from a zod issue path under `root`. */
function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  }
  return out || "body";
}

/** zod's names of JSON types, as a message says them. */
const TYPE_WORDS: Record<string, string> = {
  object: "a JSON object",
  array: "an array",
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
};

/**
 * Messages zod's defaults leave short of what was given or expected, for schemas that set none of
 * their own: an unknown field (`Unrecognized key: "x"`) is named with the fields there are, a
 * value of the wrong type (`Invalid input: expected object, received array`) with what it was,
 * and a value that is not one of a set (`metric`, `strategy`...) with what it was and the set. A
 * missing field is `is required: expected ...`.
 */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "invalid_type") {
    return given(issue.input, TYPE_WORDS[issue.expected] ?? issue.expected);
  }
  if (issue.code === "invalid_value") {
    return given(issue.input, `one of ${issue.values.map(String).join(", ")}`);
  }
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
 * An issue's message, with what was given before a schema's own "expected ..." (`expected an
 * array of vectors` becomes `got 5, expected an array of vectors`).
 */
function messageOf(issue: z.core.$ZodIssue): string {
  const { message } = issue;
  if (!message.startsWith("expected ") || issue.input === undefined) return message;
  return given(issue.input, message.slice("expected ".length));
}

/**
 * Parses `value` with `schema`; on failure throws a {@link ValidationError} whose message names
 * the offending field (`where` is the field's root, e.g. `body` or `path.index`) and, where the
 * schema's message does not, what was given.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
): z.infer<S> {
  const result = schema.safeParse(value, { error: errorMap, reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const lines = issues
    .slice(0, 3)
    .map((issue) => `${formatPath(where, issue.path)}: ${messageOf(issue)}`)
    .join("; ");
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more problems)` : "";
  throw new ValidationError(`${lines}${more}`);
}
