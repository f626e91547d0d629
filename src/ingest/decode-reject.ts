/**
 * The internal signal a validation step raises when a record is bad. It is deliberately not an
 * Error: no stack trace is captured, so rejecting a flood of bad records stays cheap. The decoder
 * catches it at its boundary and returns `{ ok: false, code, message }`; it never escapes.
 */
export class DecodeReject {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

export function reject(code: string, message: string): never {
  throw new DecodeReject(code, message);
}
