/**
 * Typed errors of the domain and use cases. Each carries a stable machine-readable `code`
 * (snake_case) and a human message that says what was given and what was expected.
 * The HTTP edge maps each class to one status code; nothing else needs to know about HTTP.
 */
export abstract class VectordError extends Error {
  /** Stable machine-readable error code, e.g. `invalid_request` or `index_not_found`. */
  readonly code: string;
  /** Extra fields for the caller, e.g. the `job_id` of the autotune that is running. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
    this.name = new.target.name;
  }
}

/** The request is malformed or violates a bound (HTTP 400). */
export class ValidationError extends VectordError {
  constructor(message: string, code = "invalid_request") {
    super(code, message);
  }
}

/** A named resource does not exist (HTTP 404). */
export class NotFoundError extends VectordError {}

/** The index `name` does not exist (any more): 404 `index_not_found`. */
export function indexNotFound(name: string): NotFoundError {
  return new NotFoundError("index_not_found", `index "${name}" does not exist`);
}

/**
 * The 404 for index `name`, deleted while work on it ran: gone, or, when `recreated`, replaced by
 * a new index of the same name (another incarnation, which the work never touches).
 */
export function indexGone(name: string, recreated: boolean): NotFoundError {
  return new NotFoundError(
    "index_not_found",
    recreated
      ? `index "${name}" was deleted while this ran; the index of that name now is a new one, left untouched`
      : `index "${name}" was deleted while this ran`,
  );
}

/** The 404 for a vector id index `name` does not hold live. */
export function vectorNotFound(name: string, id: string): NotFoundError {
  return new NotFoundError("vector_not_found", `index "${name}" has no vector with id "${id}"`);
}

/** The request conflicts with the current state of a resource (HTTP 409). */
export class ConflictError extends VectordError {}

/** The caller may not do this through the given resource (HTTP 403). */
export class ForbiddenError extends VectordError {}

/**
 * A write could not be applied because of sustained contention; nothing was written and the
 * caller may retry (HTTP 503).
 */
export class ContentionError extends VectordError {
  constructor(message: string) {
    super("write_contention", message);
  }
}

/** A typed error as stored (for example by a task, for a request that waits on it). */
export interface ErrorRecord {
  /** The error's class (`ConflictError`, `NotFoundError`, ...), which gives its HTTP status. */
  readonly kind: string;
  /** Stable machine-readable code, e.g. `index_empty`. */
  readonly code: string;
  /** What was wrong, for people: what was given and what was expected. */
  readonly message: string;
}

/** The typed errors a record can name, by class name. */
const REVIVERS: Record<string, (code: string, message: string) => VectordError> = {
  ValidationError: (code, message) => new ValidationError(message, code),
  NotFoundError: (code, message) => new NotFoundError(code, message),
  ConflictError: (code, message) => new ConflictError(code, message),
  ForbiddenError: (code, message) => new ForbiddenError(code, message),
  ContentionError: (_code, message) => new ContentionError(message),
};

/**
 * `err` as a record: a typed error keeps its class, code and message; anything else becomes kind
 * "Error" with the code and message `untyped` gives for its class name (its stack stays in the log).
 */
export function errorRecordOf(
  err: unknown,
  untyped: (name: string) => { readonly code: string; readonly message: string },
): ErrorRecord {
  if (err instanceof VectordError && err.name in REVIVERS) {
    return { kind: err.name, code: err.code, message: err.message };
  }
  return { kind: "Error", ...untyped((err as Error | undefined)?.name ?? "unknown error") };
}

/** The error a record names, typed as it was thrown (a plain Error when it was not typed). */
export function errorFromRecord(record: ErrorRecord): Error {
  const revive = REVIVERS[record.kind];
  return revive ? revive(record.code, record.message) : new Error(record.message);
}
