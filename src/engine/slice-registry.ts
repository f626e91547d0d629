/**
 * Slices of one model: the whole model (id 0, slice `{}`) plus one slice per value of each segment
 * field used as a dimension (`slices.dimensions`, or every field of `segment` when absent).
 * Distinct values per field per model are capped at `slices.maxValuesPerField`, and distinct slice
 * values per model over all fields (`__other__` slices included) at `slices.maxValuesPerModel`; a
 * value beyond either cap folds into the `__other__` slice of its field, so a high-cardinality field
 * (a user id sent by mistake) cannot grow memory: a model has at most maxValuesPerModel + (number of
 * fields) slices besides the whole model. Every fold is reported to `onLimitHit` with the cap's name
 * (the pipeline counts it in `PipelineCounters.limitHits`). Ids are assigned in first-seen order,
 * which the merge makes deterministic.
 */
import { OTHER_CATEGORY } from '../../detectors/frequency-table';
import { invalidSnapshot, readArray, readString } from './snapshot-codec';

export interface Slice {
  readonly id: number;
  /** Canonical text, `""` for the whole model, else `field=value` (used in ids and maps). */
  readonly key: string;
  /** The wire form: `{}` or `{ field: value }`. */
  readonly value: Readonly<Record<string, string>>;
  /** The segment field ("" for the whole model). */
  readonly field: string;
}

/** Fields per model used as dimensions when `slices.dimensions` is absent (bounds memory too). */
export const MAX_SLICE_FIELDS = 16;

/** The caps of this file, as `PipelineCounters.limitHits` and `driftwatch_limit_hits_total` name them. */
export type SliceLimit = 'maxValuesPerField' | 'maxValuesPerModel';

const NO_HITS = (): void => {};

export const WHOLE_MODEL: Slice = Object.freeze({ id: 0, key: '', value: Object.freeze({}), field: '' });

export class SliceRegistry {
  readonly slices: Slice[] = [WHOLE_MODEL];
  private readonly byField = new Map<string, Map<string, number>>();

  constructor(
    private readonly dimensions: readonly string[] | undefined,
    private readonly maxValuesPerField: number,
    private readonly maxValuesPerModel = Infinity,
    private readonly onLimitHit: (limit: SliceLimit) => void = NO_HITS,
  ) {}

  /**
   * Slice ids of an input's segment: [0, one id per dimension present]. The ids are gathered in a
   * scratch array and returned as an exact-size copy: an array grown by push() from `[0]` gets room
   * for 17 elements, and the result is kept for the request's whole join TTL (one per input).
   */
  resolve(segment: Readonly<Record<string, string>>): number[] {
    const ids = this.scratch;
    let n = 1;
    if (this.dimensions !== undefined) {
      for (const field of this.dimensions) {
        const v = segment[field];
        if (typeof v === 'string') ids[n++] = this.idOf(field, v);
      }
    } else {
      for (const field in segment) {
        const v = segment[field];
        if (typeof v !== 'string') continue;
        if (!this.byField.has(field) && this.byField.size >= MAX_SLICE_FIELDS) continue;
        ids[n++] = this.idOf(field, v);
      }
    }
    return ids.slice(0, n);
  }

  /** resolve()'s work array: ids[0] is always the whole model. */
  private readonly scratch: number[] = [0];

  private idOf(field: string, value: string): number {
    let values = this.byField.get(field);
    if (values === undefined) {
      values = new Map();
      this.byField.set(field, values);
    }
    const id = values.get(value);
    if (id !== undefined) return id;
    // Values beyond a cap (and the literal "__other__") share the field's overflow slice. The model cap
    // counts every slice but the whole model, so it needs no state besides `slices` (snapshots).
    let folded = value;
    if (value !== OTHER_CATEGORY) {
      const limit: SliceLimit | null =
        values.size >= this.maxValuesPerField ? 'maxValuesPerField' : this.slices.length - 1 >= this.maxValuesPerModel ? 'maxValuesPerModel' : null;
      if (limit !== null) {
        folded = OTHER_CATEGORY;
        this.onLimitHit(limit);
      }
    }
    const existing = values.get(folded);
    if (existing !== undefined) return existing;
    const slice: Slice = { id: this.slices.length, key: `${field}=${folded}`, value: Object.freeze({ [field]: folded }), field };
    this.slices.push(slice);
    values.set(folded, slice.id);
    return slice.id;
  }

  /** The slices after the whole model, in id order, as a flat [field, value, field, value, …] list. */
  toSnapshot(): string[] {
    const out: string[] = [];
    for (let i = 1; i < this.slices.length; i++) {
      const s = this.slices[i] as Slice;
      out.push(s.field, s.value[s.field] as string);
    }
    return out;
  }

  /**
   * Loads {@link toSnapshot} output into this (new, empty) registry: the same ids, and the per-field
   * tables in the same first-seen order (a field's table is created with its first slice).
   */
  restoreSnapshot(v: unknown, path: string): void {
    const a = readArray(v, path);
    if (a.length % 2 !== 0) throw invalidSnapshot(path, 'odd length');
    for (let i = 0; i < a.length; i += 2) {
      const field = readString(a[i], `${path}[${i}]`);
      const value = readString(a[i + 1], `${path}[${i + 1}]`);
      let values = this.byField.get(field);
      if (values === undefined) {
        values = new Map();
        this.byField.set(field, values);
      }
      if (values.has(value)) throw invalidSnapshot(`${path}[${i + 1}]`, 'duplicate slice');
      const slice: Slice = { id: this.slices.length, key: `${field}=${value}`, value: Object.freeze({ [field]: value }), field };
      this.slices.push(slice);
      values.set(value, slice.id);
    }
  }
}
