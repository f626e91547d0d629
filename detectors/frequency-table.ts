/**
 * Counts of a categorical metric (device, region, language, predicted label) with a cap on the
 * number of distinct categories.
 *
 * Why a cap: category values come from production traffic, and one bad producer (a request id in
 * the `lang` field) can create millions of distinct values; the table must stay bounded. The first
 * `maxCategories` distinct values are counted by name, every later new value goes to the single
 * bucket `__other__`. Keeping the FIRST ones (not the most frequent) keeps the table exactly
 * mergeable and deterministic; the chi-square and Jensen–Shannon comparisons then see `__other__`
 * as one more category.
 */
import { DriftwatchError } from './errors';
import { checkNumberOption, readSnapshotHeader, snapshotError, snapshotNumber } from './drift-detector';

const NAME = 'FrequencyTable';

/** The name of the overflow bucket. A real category with this name is counted in it too. */
export const OTHER_CATEGORY = '__other__';

/** Options of {@link FrequencyTable}. */
export interface FrequencyTableOptions {
  /** Most distinct categories counted by name, an integer in [1, 1e6]; default 1000. */
  readonly maxCategories?: number;
}

/** The JSON snapshot written by {@link FrequencyTable.toJSON}. */
export interface FrequencyTableSnapshot {
  readonly type: 'FrequencyTable';
  readonly version: 1;
  readonly maxCategories: number;
  /** [category, count] in first-seen order (the order is part of the state). */
  readonly entries: [string, number][];
  /** Count of the `__other__` bucket. */
  readonly other: number;
}

/**
 * A capped categorical frequency table.
 *
 * Rules: `update(category)` takes a string (anything else throws `DRIFTWATCH_INVALID_INPUT`).
 * A category already in the table is incremented; a new one is added while fewer than
 * `maxCategories` are named, otherwise it is counted in `__other__` (so is the literal string
 * `"__other__"`). `merge(other)` adds other's named counts in other's first-seen order under the
 * same rule, and other's `__other__` count to ours. The result equals the table of the
 * concatenated stream (this one's, then other's) exactly whenever `other` never overflowed; when it
 * did, the total is still exact and each named count is a lower bound of the true one.
 *
 * @example
 * ```ts
 * const t = new FrequencyTable({ maxCategories: 2 });
 * ['en', 'fr', 'en', 'de', 'es', 'en'].forEach((c) => t.update(c));
 * console.log(t.get('en'), t.get('fr'), t.get('__other__'), t.total); // 3 1 2 6
 * ```
 */
export class FrequencyTable {
  /** Most distinct categories counted by name. */
  readonly maxCategories: number;
  private readonly counts = new Map<string, number>();
  private otherCount = 0;
  private totalCount = 0;

  constructor(options: FrequencyTableOptions = {}) {
    this.maxCategories = checkNumberOption(NAME, 'maxCategories', options.maxCategories ?? 1000, {
      min: 1,
      max: 1e6,
      integer: true,
    });
  }

  /** All observations counted (`__other__` included). */
  get total(): number {
    return this.totalCount;
  }

  /** Number of categories counted by name (at most `maxCategories`). */
  get size(): number {
    return this.counts.size;
  }

  /** True once some category went to `__other__` because the table was full. */
  get overflowed(): boolean {
    return this.otherCount > 0;
  }

  /** Count of one category (`"__other__"` gives the overflow bucket); 0 when unseen. */
  get(category: string): number {
    if (category === OTHER_CATEGORY) return this.otherCount;
    return this.counts.get(category) ?? 0;
  }

  /** Counts one observation of `category`. */
  update(category: string): this {
    if (typeof category !== 'string') {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${NAME}.update expects a string category, got ${typeof category}`, {
        details: { type: typeof category },
      });
    }
    this.add(category, 1);
    return this;
  }

  /**
   * [category, count] pairs in first-seen order, followed by `["__other__", n]` when n > 0.
   *
   * @example
   * ```ts
   * const t = new FrequencyTable().update('b').update('a').update('b');
   * console.log(t.entries()); // [ [ 'b', 2 ], [ 'a', 1 ] ]
   * ```
   */
  entries(): [string, number][] {
    const out: [string, number][] = [...this.counts.entries()];
    if (this.otherCount > 0) out.push([OTHER_CATEGORY, this.otherCount]);
    return out;
  }

  /** Adds `other` into this table (rules in the class comment). maxCategories must match. */
  merge(other: FrequencyTable): this {
    if (!(other instanceof FrequencyTable)) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${NAME}.merge expects a FrequencyTable`);
    }
    if (other.maxCategories !== this.maxCategories) {
      throw new DriftwatchError(
        'DRIFTWATCH_INCOMPATIBLE_MERGE',
        `${NAME}.merge needs tables with the same maxCategories, got ${this.maxCategories} and ${other.maxCategories}`,
        { details: { maxCategories: this.maxCategories, otherMaxCategories: other.maxCategories } },
      );
    }
    for (const [c, n] of other.counts) this.add(c, n);
    this.otherCount += other.otherCount;
    this.totalCount += other.otherCount;
    return this;
  }

  /** Forgets every count. */
  reset(): void {
    this.counts.clear();
    this.otherCount = 0;
    this.totalCount = 0;
  }

  /** A JSON-safe snapshot; {@link FrequencyTable.fromJSON} restores it exactly (order included). */
  toJSON(): FrequencyTableSnapshot {
    return {
      type: NAME,
      version: 1,
      maxCategories: this.maxCategories,
      entries: [...this.counts.entries()],
      other: this.otherCount,
    };
  }

  /**
   * Restores a table (`DRIFTWATCH_INVALID_SNAPSHOT` when malformed).
   *
   * @example
   * ```ts
   * const t = new FrequencyTable().update('x');
   * console.log(FrequencyTable.fromJSON(JSON.parse(JSON.stringify(t))).get('x')); // 1
   * ```
   */
  static fromJSON(json: unknown): FrequencyTable {
    const rec = readSnapshotHeader(json, NAME, 1);
    const max = snapshotNumber(rec, NAME, 'maxCategories');
    if (!Number.isSafeInteger(max) || max < 1 || max > 1e6) throw snapshotError(NAME, 'maxCategories must be an integer in [1, 1e6]');
    const t = new FrequencyTable({ maxCategories: max });
    const entries = rec.entries;
    if (!Array.isArray(entries) || entries.length > max) throw snapshotError(NAME, `entries must be an array of at most ${max} pairs`);
    for (const e of entries as unknown[]) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || e[0] === OTHER_CATEGORY) {
        throw snapshotError(NAME, 'each entry must be a [category, count] pair with a string category other than __other__');
      }
      const n: unknown = e[1];
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || t.counts.has(e[0])) {
        throw snapshotError(NAME, `entry ${e[0]} must have a positive integer count and appear once`);
      }
      t.counts.set(e[0], n);
      t.totalCount += n;
    }
    const other = snapshotNumber(rec, NAME, 'other');
    if (!Number.isSafeInteger(other) || other < 0) throw snapshotError(NAME, 'other must be a non-negative integer');
    t.otherCount = other;
    t.totalCount += other;
    return t;
  }

  private add(category: string, n: number): void {
    this.totalCount += n;
    const cur = this.counts.get(category);
    if (cur !== undefined) this.counts.set(category, cur + n);
    else if (category !== OTHER_CATEGORY && this.counts.size < this.maxCategories) this.counts.set(category, n);
    else this.otherCount += n;
  }
}
