import { z } from "zod";

/**
 * How a rejected input is shown in a message: strings quoted, arrays and objects as JSON (cut to
 * 40 characters), everything else as written.
 */
export function shown(input: unknown): string {
  if (typeof input === "string") return JSON.stringify(input);
  if (typeof input !== "object" || input === null) return String(input);
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** What was given (or that nothing was) and what was `expected`. */
export function given(input: unknown, expected: string): string {
  return input === undefined
    ? `is required: expected ${expected}`
    : `got ${shown(input)}, expected ${expected}`;
}

/**
 * An integer from `min` to `max`, whose every error says what was given and what was expected
 * (`got 500, expected an integer from 10 to 200`).
 */
export function intInRange(min: number, max: number) {
  const error = (issue: { input: unknown }) =>
    given(issue.input, `an integer from ${min} to ${max}`);
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A number from `min` to `max` (inclusive), with the same kind of message. */
export function numberInRange(min: number, max: number) {
  const error = (issue: { input: unknown }) => given(issue.input, `a number from ${min} to ${max}`);
  return z.number({ error }).min(min, { error }).max(max, { error });
}

/**
 * A query-string number from `min` to `max` (`kind`: an integer or any number), `fallback` when
 * absent. Its errors quote the string as given (`got "abc"`; a repeated parameter arrives joined
 * by commas, as API Gateway joins it: `got "1,2"`): `z.coerce` would show the coerced value
 * instead (`got NaN`, or `got 0` for an empty value). The OpenAPI document shows it as the number
 * it stands for, with its bounds and default.
 */
export function queryNumber(
  min: number,
  max: number,
  kind: "an integer" | "a number",
  fallback: number,
) {
  const message = (raw: unknown) => given(raw, `${kind} from ${min} to ${max}`);
  return z
    .string({ error: (issue) => message(issue.input) })
    .transform((raw, ctx) => {
      const n = raw.trim() === "" ? Number.NaN : Number(raw);
      const ok = kind === "an integer" ? Number.isInteger(n) : Number.isFinite(n);
      if (!ok || n < min || n > max) {
        ctx.issues.push({ code: "custom", message: message(raw), input: raw });
        return z.NEVER;
      }
      return n;
    })
    .meta({
      override: ({ jsonSchema }) => {
        jsonSchema.type = kind === "an integer" ? "integer" : "number";
        jsonSchema.minimum = min;
        jsonSchema.maximum = max;
        jsonSchema.default = fallback;
      },
    })
    .default(fallback);
}
