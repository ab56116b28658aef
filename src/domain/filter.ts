import { shown } from "./ranges";

/**
 * Metadata filters, in the syntax Pinecone users know (a subset of MongoDB's query operators):
 *
 * ```json
 * {"genre": "drama"}                                  equality (shorthand for {"$eq": "drama"})
 * {"genre": {"$in": ["drama", "comedy"]}}             one of
 * {"year": {"$gte": 2020, "$lt": 2024}}               numeric range (several operators: all hold)
 * {"genre": "drama", "year": {"$gt": 2019}}           several keys: all hold
 * {"$or": [{"genre": "drama"}, {"year": {"$lt": 2000}}]}
 * {"$and": [{...}, {...}]}
 * ```
 *
 * Operators: `$eq`, `$ne`, `$in`, `$nin` (strings, numbers, booleans), `$gt`, `$gte`, `$lt`,
 * `$lte` (numbers), `$and`, `$or` (non-empty arrays of filters). Keys name top-level metadata
 * fields. A field holding an array matches `$eq`/`$in` (and the ranges) when any element does.
 * A missing field matches nothing but `$ne` and `$nin`. `{}` matches everything.
 */
export type Filter =
  | { readonly and: readonly Filter[] }
  | { readonly or: readonly Filter[] }
  | { readonly key: string; readonly op: ComparisonOp; readonly value: Scalar | readonly Scalar[] };

/** A value a metadata filter compares: a string, a number or a boolean. */
export type Scalar = string | number | boolean;
/** The comparison operators of a metadata filter (Pinecone's syntax). */
export type ComparisonOp = "$eq" | "$ne" | "$in" | "$nin" | "$gt" | "$gte" | "$lt" | "$lte";

/** Limits of one filter: nesting, conditions, values of one `$in`/`$nin`. */
export const FILTER_LIMITS = { depth: 8, conditions: 64, listValues: 1024 } as const;

const SCALAR_OPS = new Set(["$eq", "$ne"]);
const LIST_OPS = new Set(["$in", "$nin"]);
const RANGE_OPS = new Set(["$gt", "$gte", "$lt", "$lte"]);
const ALL_OPS = [...SCALAR_OPS, ...LIST_OPS, ...RANGE_OPS];

/** A filter input that is not valid: where (a path into the filter) and why. */
export interface FilterProblem {
  /** Where in the filter: keys and array positions from its root. */
  readonly path: readonly (string | number)[];
  /** What is wrong there, and what was expected. */
  readonly message: string;
}

class Problem extends Error {
  constructor(
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isScalar = (v: unknown): v is Scalar =>
  typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));

/** Parses a filter as a request gives it; a problem names the path into the filter. */
export function parseFilter(input: unknown): { filter: Filter } | { problem: FilterProblem } {
  let conditions = 0;
  const node = (value: unknown, path: (string | number)[], depth: number): Filter => {
    if (depth > FILTER_LIMITS.depth) {
      throw new Problem(path, `nests deeper than ${FILTER_LIMITS.depth} levels`);
    }
    if (!isPlainObject(value)) {
      throw new Problem(path, `got ${describe(value)}, expected an object of conditions`);
    }
    const all: Filter[] = [];
    for (const [key, inner] of Object.entries(value)) {
      const at = [...path, key];
      if (key === "$and" || key === "$or") {
        if (!Array.isArray(inner) || inner.length === 0) {
          throw new Problem(at, `got ${describe(inner)}, expected a non-empty array of filters`);
        }
        const parts = inner.map((part, i) => node(part, [...at, i], depth + 1));
        all.push(key === "$and" ? { and: parts } : { or: parts });
      } else if (key.startsWith("$")) {
        throw new Problem(
          at,
          `unknown operator at this level; expected a metadata key, "$and" or "$or"`,
        );
      } else {
        all.push(...field(key, inner, at));
      }
    }
    return all.length === 1 ? (all[0] as Filter) : { and: all };
  };
  const field = (key: string, value: unknown, path: (string | number)[]): Filter[] => {
    if (!isPlainObject(value)) {
      if (!isScalar(value)) {
        throw new Problem(
          path,
          `got ${describe(value)}, expected a string, number or boolean, or an object of operators`,
        );
      }
      return [condition(key, "$eq", value, path)];
    }
    const ops = Object.entries(value);
    if (ops.length === 0) {
      throw new Problem(path, `holds no operator; expected one of ${ALL_OPS.join(", ")}`);
    }
    return ops.map(([op, operand]) => {
      const at = [...path, op];
      if (SCALAR_OPS.has(op)) {
        if (!isScalar(operand)) {
          throw new Problem(at, `got ${describe(operand)}, expected a string, number or boolean`);
        }
      } else if (LIST_OPS.has(op)) {
        if (!Array.isArray(operand) || operand.length === 0) {
          throw new Problem(at, `got ${describe(operand)}, expected a non-empty array`);
        }
        if (operand.length > FILTER_LIMITS.listValues) {
          throw new Problem(
            at,
            `holds ${operand.length} values; at most ${FILTER_LIMITS.listValues}`,
          );
        }
        operand.forEach((v, i) => {
          if (!isScalar(v)) {
            throw new Problem(
              [...at, i],
              `got ${describe(v)}, expected a string, number or boolean`,
            );
          }
        });
      } else if (RANGE_OPS.has(op)) {
        if (typeof operand !== "number" || !Number.isFinite(operand)) {
          throw new Problem(at, `got ${describe(operand)}, expected a finite number`);
        }
      } else {
        throw new Problem(at, `unknown operator; expected one of ${ALL_OPS.join(", ")}`);
      }
      return condition(key, op as ComparisonOp, operand as Scalar | Scalar[], at);
    });
  };
  const condition = (
    key: string,
    op: ComparisonOp,
    value: Scalar | readonly Scalar[],
    path: (string | number)[],
  ): Filter => {
    conditions++;
    if (conditions > FILTER_LIMITS.conditions) {
      throw new Problem(path, `the filter holds over ${FILTER_LIMITS.conditions} conditions`);
    }
    return { key, op, value };
  };
  try {
    return { filter: node(input, [], 1) };
  } catch (err) {
    if (err instanceof Problem) return { problem: { path: err.path, message: err.message } };
    throw err;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  if (typeof value === "object") return "an object";
  return shown(value);
}

/** A compiled filter: true when a row's metadata (or `null`: none) matches. */
export type MetadataPredicate = (metadata: Record<string, unknown> | null) => boolean;

/** Compiles `filter` into a predicate (an empty filter matches everything). */
export function compileFilter(filter: Filter): MetadataPredicate {
  if ("and" in filter) {
    const parts = filter.and.map(compileFilter);
    return (m) => parts.every((p) => p(m));
  }
  if ("or" in filter) {
    const parts = filter.or.map(compileFilter);
    return (m) => parts.some((p) => p(m));
  }
  const { key, op, value } = filter;
  const test = elementTest(op, value);
  const negated = op === "$ne" || op === "$nin";
  return (m) => {
    // Own fields only: `constructor` or `toString` name a field only when the metadata has one.
    const v = m && Object.hasOwn(m, key) ? m[key] : undefined;
    const hit = Array.isArray(v) ? v.some(test) : v !== undefined && test(v);
    return negated ? !hit : hit;
  };
}

/** The test one metadata value (or array element) must pass (before `$ne`/`$nin` negate it). */
function elementTest(op: ComparisonOp, value: Scalar | readonly Scalar[]): (v: unknown) => boolean {
  switch (op) {
    case "$eq":
    case "$ne":
      return (v) => v === value;
    case "$in":
    case "$nin": {
      const set = new Set(value as readonly Scalar[]);
      return (v) => set.has(v as Scalar);
    }
    case "$gt":
      return (v) => typeof v === "number" && v > (value as number);
    case "$gte":
      return (v) => typeof v === "number" && v >= (value as number);
    case "$lt":
      return (v) => typeof v === "number" && v < (value as number);
    case "$lte":
      return (v) => typeof v === "number" && v <= (value as number);
  }
}

/** A stable text of a filter, to cache what it matches (same filter, same key). */
export function filterKey(filter: Filter): string {
  return JSON.stringify(filter);
}

/** True for a filter that matches everything (`{}`). */
export function matchesAll(filter: Filter): boolean {
  return "and" in filter && filter.and.length === 0;
}
