import type { InputLimitName } from './input-limits';

/**
 * The internal signal a validation step raises when a record is bad. It is deliberately not an
 * Error: no stack trace is captured, so rejecting a flood of bad records stays cheap. The decoder
 * catches it at its boundary and returns `{ ok: false, code, message, limit? }`; it never escapes.
 */
export class DecodeReject {
  constructor(
    readonly code: string,
    readonly message: string,
    /** For `DRIFTWATCH_LIMIT_EXCEEDED`: which limit (counted per name in `driftwatch_limit_hits_total`). */
    readonly limit?: InputLimitName,
  ) {}
}

export function reject(code: string, message: string): never {
  throw new DecodeReject(code, message);
}

/** Rejects a record over one of the input limits: always code `DRIFTWATCH_LIMIT_EXCEEDED`, the limit named. */
export function limitExceeded(limit: InputLimitName, message: string): never {
  throw new DecodeReject('DRIFTWATCH_LIMIT_EXCEEDED', message, limit);
}
