import { ValidationError } from "./errors";

// The opaque `next_token` of paginated listings: where the next page starts (a DynamoDB
// `LastEvaluatedKey`, or the last id hash a page of vector ids returned), as base64url JSON. A
// token is checked against the key shape its listing returns before it is used, so a bad one is
// a 400 naming it, never a 500.

/** The token that resumes a listing after `key` (a page's `LastEvaluatedKey`, say). */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/**
 * The key `cursor` stands for, when it has exactly the attributes `expected` names and each
 * passes its check; else a {@link ValidationError} (400) naming the token.
 */
export function decodeCursor(
  cursor: string,
  expected: Record<string, (value: unknown) => boolean>,
): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (typeof key === "object" && key !== null && !Array.isArray(key)) {
      const entries = Object.entries(key);
      const names = Object.keys(expected);
      if (
        entries.length === names.length &&
        entries.every(([name, value]) => expected[name]?.(value) === true)
      ) {
        return key as Record<string, unknown>;
      }
    }
  } catch {
    // not base64url JSON: refused below
  }
  throw new ValidationError(`next_token "${cursor}" is not a token this listing returned`);
}
