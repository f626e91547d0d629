/**
 * Input checks shared by the two-sample tests and the distances: samples, count vectors,
 * alternatives. One place so that every test rejects bad input with the same codes and messages.
 */
import { DriftwatchError } from './errors';

/** Direction of the alternative hypothesis, with scipy's names. */
export type Alternative = 'two-sided' | 'less' | 'greater';

/** A numeric sample: a plain array or a typed array. */
export type NumericSample = ArrayLike<number>;

/**
 * Copies a sample into a Float64Array after checking that it has at least `minLength` values and
 * that each one is a finite number. Throws `DRIFTWATCH_EMPTY_SAMPLE` for an empty sample (or a sample
 * shorter than `minLength`) and `DRIFTWATCH_INVALID_INPUT` for NaN, ±Infinity or a non-number.
 *
 * @example
 * ```ts
 * console.log(checkSample('welchTTest', 'a', [1, 2], 2).length); // 2
 * ```
 */
export function checkSample(fn: string, name: string, xs: unknown, minLength = 1): Float64Array {
  if (xs === null || typeof xs !== 'object' || typeof (xs as { length?: unknown }).length !== 'number') {
    throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${fn}: ${name} must be an array of finite numbers`, {
      details: { function: fn, argument: name },
    });
  }
  const arr = xs as ArrayLike<unknown>;
  if (arr.length < minLength) {
    throw new DriftwatchError(
      'DRIFTWATCH_EMPTY_SAMPLE',
      `${fn}: ${name} needs at least ${minLength} observation(s), got ${arr.length}`,
      { details: { function: fn, argument: name, length: arr.length, minLength } },
    );
  }
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DriftwatchError(
        'DRIFTWATCH_INVALID_INPUT',
        `${fn}: ${name}[${i}] is ${String(v)}; every value must be a finite number`,
        { details: { function: fn, argument: name, index: i } },
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Checks a vector of counts (or weights): finite and ≥ 0. With `integer`, each count must also be
 * a whole number. Throws `DRIFTWATCH_INVALID_INPUT` otherwise and `DRIFTWATCH_EMPTY_SAMPLE` when empty.
 *
 * @example
 * ```ts
 * console.log(checkCounts('psi', 'reference', [3, 0, 2])); // Float64Array(3) [ 3, 0, 2 ]
 * ```
 */
export function checkCounts(fn: string, name: string, xs: unknown, integer = false): Float64Array {
  const out = checkSample(fn, name, xs, 1);
  for (let i = 0; i < out.length; i++) {
    const v = out[i] as number;
    if (v < 0 || (integer && !Number.isInteger(v))) {
      throw new DriftwatchError(
        'DRIFTWATCH_INVALID_INPUT',
        `${fn}: ${name}[${i}] is ${v}; counts must be ${integer ? 'whole numbers ' : ''}≥ 0`,
        { details: { function: fn, argument: name, index: i } },
      );
    }
  }
  return out;
}

/**
 * Validates an `alternative` option (default 'two-sided'); throws `DRIFTWATCH_INVALID_PARAMETER`.
 *
 * @example
 * ```ts
 * console.log(checkAlternative('welchTTest', undefined)); // two-sided
 * ```
 */
export function checkAlternative(fn: string, value: unknown): Alternative {
  if (value === undefined) return 'two-sided';
  if (value === 'two-sided' || value === 'less' || value === 'greater') return value;
  throw new DriftwatchError(
    'DRIFTWATCH_INVALID_PARAMETER',
    `${fn}: alternative must be 'two-sided', 'less' or 'greater', got ${JSON.stringify(value)}`,
    { details: { function: fn, option: 'alternative' } },
  );
}

/** Throws `DRIFTWATCH_INVALID_PARAMETER` with a message naming the valid range. */
export function invalidParameter(fn: string, option: string, message: string): DriftwatchError {
  return new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `${fn}: ${option} ${message}`, {
    details: { function: fn, option },
  });
}
