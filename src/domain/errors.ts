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
