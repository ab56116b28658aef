/**
 * Exit codes of `vectord`, documented in README ("CLI"):
 * - 0: done;
 * - 1: an unexpected error (a bug: please report it);
 * - 2: a usage error (unknown command or option, bad option value);
 * - 3: refused: the service answered 4xx (the message is its error), or an input file is bad
 *   (the message names the file and row);
 * - 4: the service is unreachable, or answered 5xx or 503 (transient: run it again);
 * - 5: a job the command waited for ended FAILED (import, autotune).
 */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  refused: 3,
  unavailable: 4,
  jobFailed: 5,
} as const;

/** A process exit code the CLI uses (one of {@link EXIT}). */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The service's error code, for `--json` output. */
    readonly code?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Where a command writes: a result (JSON with `--json`, else text) and progress on stderr. */
export interface Output {
  /** Whether results are printed as JSON (`--json`). */
  readonly json: boolean;
  /** Prints a command's result: `value` as JSON with `--json`, else `text(value)`. */
  result<T>(value: T, text: (value: T) => string): void;
  /** A line of progress or notice, on stderr (never mixed into `--json` output). */
  note(line: string): void;
}

/** A value as indented JSON: the `--json` form, and the text form of results without a table. */
export const pretty = (value: unknown): string => JSON.stringify(value, null, 2);

/**
 * The CLI's output on the console: results on stdout (as JSON when `json`, else as text), progress
 * and notices on stderr.
 */
export function consoleOutput(json: boolean): Output {
  return {
    json,
    result(value, text) {
      process.stdout.write(`${json ? pretty(value) : text(value)}\n`);
    },
    note(line) {
      process.stderr.write(`${line}\n`);
    },
  };
}

/** Aligned columns: a header row, then one row per item. */
export function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [header, ...rows].map((row) =>
    row.map((c) => (c === null || c === undefined ? "-" : String(c))),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
