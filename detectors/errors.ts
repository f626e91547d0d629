/**
 * Coded errors shared by the whole project. They live in `detectors/` because the statistics
 * library must stand alone (it imports nothing from `src/`), while the service reuses the same
 * class so that every error a user can see carries a stable `DRIFTWATCH_*` code.
 *
 * The fields are plain own properties so that they survive `JSON.stringify` and pino logging.
 *
 * @example
 * ```ts
 * try { ksTest([], [1]); } catch (e) { console.log((e as DriftwatchError).code); }
 * // DRIFTWATCH_EMPTY_SAMPLE
 * ```
 */
export class DriftwatchError extends Error {
  /** Stable machine-readable code, always prefixed `DRIFTWATCH_`. */
  readonly code: string;
  /** Whether retrying the same operation later can succeed (an outage, not a bad input). */
  readonly retryable: boolean;
  /** Extra context that helps the reader (field names, valid ranges, coordinates). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriftwatchError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.cause === undefined ? {} : { cause: serialiseCause(this.cause) }),
    };
  }
}

function serialiseCause(cause: unknown): unknown {
  if (cause instanceof DriftwatchError) return cause.toJSON();
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  return cause;
}

/** True when `e` is a DriftwatchError, optionally with the given code. */
export function isDriftwatchError(e: unknown, code?: string): e is DriftwatchError {
  return e instanceof DriftwatchError && (code === undefined || e.code === code);
}
