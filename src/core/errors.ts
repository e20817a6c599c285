// One error base for the whole server. Thrown anywhere; caught only at the edges
// (ssh dispatcher, HTTP error handler, hook runner), which map it to exit codes and statuses.

export class RtError extends Error {
  /** Stable machine-readable code, e.g. 'job_not_found'. */
  readonly code: string;
  readonly httpStatus: number;
  /** Exit code for ssh commands and the CLI: 1 failed command, 2 usage error. */
  readonly exitCode: number;
  /** Lines printed after the one-line message (never secrets). */
  readonly details: string[];

  constructor(message: string, opts: { code?: string; httpStatus?: number; exitCode?: number; details?: string[] } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = opts.code ?? 'error';
    this.httpStatus = opts.httpStatus ?? 500;
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details ?? [];
  }
}

export class BadRequestError extends RtError {
  constructor(message: string, details: string[] = []) {
    super(message, { code: 'bad_request', httpStatus: 400, exitCode: 1, details });
  }
}

export class UsageError extends RtError {
  constructor(message: string, details: string[] = []) {
    super(message, { code: 'usage', httpStatus: 400, exitCode: 2, details });
  }
}

export class UnauthenticatedError extends RtError {
  constructor(message = 'missing or unknown token') {
    super(message, { code: 'unauthenticated', httpStatus: 401 });
  }
}

export class ForbiddenError extends RtError {
  constructor(message: string) {
    super(message, { code: 'forbidden', httpStatus: 403 });
  }
}

export class NotFoundError extends RtError {
  constructor(message: string) {
    super(message, { code: 'not_found', httpStatus: 404 });
  }
}

export class JobNotFoundError extends NotFoundError {
  constructor(name: string, version?: string) {
    super(version ? `job "${name}" version "${version}" not found` : `job "${name}" not found`);
  }
}

/** Too many attempts from one caller: 429, with how long to wait (the edges send it as Retry-After). */
export class TooManyRequestsError extends RtError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message, { code: 'too_many_requests', httpStatus: 429, details: [`retry after ${retryAfterSeconds} s`] });
  }
}

export class ConflictError extends RtError {
  constructor(message: string, details: string[] = []) {
    super(message, { code: 'conflict', httpStatus: 409, details });
  }
}

/** A field-level problem in job.yaml; `field` is a dotted path such as `resources.memory_max`. */
export interface FieldError {
  field: string;
  message: string;
}

/** Every problem of a manifest at once; the first line names the first field. */
export class ManifestError extends RtError {
  readonly errors: FieldError[];
  constructor(file: string, errors: FieldError[]) {
    const lines = errors.map((e) => `${file}: ${e.field ? `${e.field}: ` : ''}${e.message}`);
    super(lines[0] ?? `${file}: invalid`, { code: 'invalid_manifest', httpStatus: 400, details: lines.slice(1) });
    this.errors = errors;
  }
}
