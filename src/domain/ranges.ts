import { z } from "zod";

/** How a rejected input is shown in a message: strings quoted, everything else as written. */
export function shown(input: unknown): string {
  return typeof input === "string" ? JSON.stringify(input) : String(input);
}

/**
 * An integer from `min` to `max`, whose every error says what was given and what was expected
 * (`got 500, expected an integer from 10 to 200`). `fromQuery` coerces a query-string value.
 */
export function intInRange(min: number, max: number, options: { fromQuery?: boolean } = {}) {
  const error = (issue: { input: unknown }) =>
    `got ${shown(issue.input)}, expected an integer from ${min} to ${max}`;
  const base = options.fromQuery ? z.coerce.number({ error }) : z.number({ error });
  return base.int({ error }).min(min, { error }).max(max, { error });
}

/** A number from `min` to `max` (inclusive), with the same kind of message. */
export function numberInRange(min: number, max: number, options: { fromQuery?: boolean } = {}) {
  const error = (issue: { input: unknown }) =>
    `got ${shown(issue.input)}, expected a number from ${min} to ${max}`;
  const base = options.fromQuery ? z.coerce.number({ error }) : z.number({ error });
  return base.min(min, { error }).max(max, { error });
}
