import { InvalidArgumentError } from "commander";
import type { Api } from "./api";
import type { Output } from "./output";

/** What every command gets: the API and where to write. */
export type Context = () => { api: Api; out: Output };

/** An option parser: an integer of at least `min` (else commander's usage error, exit 2). */
export const integer =
  (name: string, min = 0) =>
  (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(
        `${name}: got "${value}", expected an integer of at least ${min}`,
      );
    }
    return n;
  };

/** An option parser: a finite number. */
export const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new InvalidArgumentError(`${name}: got "${value}", expected a number`);
  return n;
};

/** An option parser: JSON. */
export const jsonArg = (name: string) => (value: string) => {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new InvalidArgumentError(`${name}: got "${value}", expected JSON`);
  }
};
