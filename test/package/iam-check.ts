/**
 * A small IAM evaluator for the package test: it decides whether a function's policy (as
 * synthesized, with the stack's references resolved to the local resources) allows one AWS call,
 * so running the bundles against the emulators also proves their grants are enough.
 */

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** One AWS call as IAM sees it: an action on a resource, with condition keys. */
export interface AuthorizedCall {
  readonly action: string;
  readonly resource: string;
  readonly conditions?: Readonly<Record<string, string>>;
}

function glob(pattern: string, flags = ""): RegExp {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, flags);
}

function conditionHolds(
  condition: Statement["Condition"],
  values: Readonly<Record<string, string>> = {},
): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const value = values[key];
      const options = [expected].flat();
      if (operator === "StringLike") {
        if (value === undefined || !options.some((p) => glob(p).test(value))) return false;
      } else if (operator === "StringEquals") {
        if (value === undefined || !options.includes(value)) return false;
      } else {
        return false; // an operator this evaluator does not know never allows
      }
    }
  }
  return true;
}

/** True when some Allow statement covers the call (there are no Deny statements here). */
export function isAllowed(statements: readonly Statement[], call: AuthorizedCall): boolean {
  return statements.some(
    (s) =>
      s.Effect === "Allow" &&
      [s.Action].flat().some((a) => glob(a, "i").test(call.action)) &&
      [s.Resource].flat().some((r) => glob(r).test(call.resource)) &&
      conditionHolds(s.Condition, call.conditions),
  );
}

/** Resolves a template value: `Ref`, `Fn::GetAtt` (via `attributes`) and `Fn::Join`. */
export function resolveValue(
  value: unknown,
  refs: (logicalId: string) => string,
  attributes: (logicalId: string, attribute: string) => string,
): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, refs, attributes));
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === "string") return refs(v.Ref);
    if (Array.isArray(v["Fn::GetAtt"])) {
      const [id, attribute] = v["Fn::GetAtt"] as [string, string];
      return attributes(id, attribute);
    }
    if (Array.isArray(v["Fn::Join"])) {
      const [separator, parts] = v["Fn::Join"] as [string, unknown[]];
      return parts.map((p) => resolveValue(p, refs, attributes)).join(separator);
    }
    return Object.fromEntries(
      Object.entries(v).map(([k, inner]) => [k, resolveValue(inner, refs, attributes)]),
    );
  }
  return value;
}
