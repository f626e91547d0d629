/**
 * The request join: outputs and feedback find their input by `request_id` within `join.ttlMs` of
 * event time. Two bounded tables, both in insertion order (≈ event-time order after the merge):
 * - open requests: inputs waiting for their outputs and feedback; an entry is finalised when its
 *   TTL passes (that is when per-request 0/1 metrics such as `redo` become final) or when the
 *   table is full (`join.maxPending`: the oldest is finalised early);
 * - early arrivals: outputs/feedback whose input has not arrived yet (clock skew between
 *   producers); they are joined when the input comes within the TTL, else dropped as orphans.
 * Each entry evicted because a table is full (not by its TTL) is reported to `onLimitHit` (the
 * pipeline counts it as limit `joinMaxPending` in `PipelineCounters.limitHits`).
 */
import {
  decNum,
  encNum,
  invalidSnapshot,
  readArray,
  readFinite,
  readInt,
  readIntArray,
  readNullableString,
  readObject,
  readString,
  type SnapNumber,
} from './snapshot-codec';

export interface OpenRequest<M> {
  readonly requestId: string;
  readonly modelId: string;
  readonly ts: number;
  readonly expiresAt: number;
  /** The input's model-version state and slice ids (where per-request metrics go). */
  readonly mv: M;
  readonly sliceIds: readonly number[];
  /** Predictions of the joined outputs, per output model version (live, shadow, canary). */
  outputs: { mv: M; prediction: string | null; sliceIds: readonly number[] }[];
  label: string | null;
  redo: boolean;
  switchedToTyping: boolean;
}

/** How the owner encodes what the join holds for it (model-version states and parked events). */
export interface JoinSnapshotEncoder<M, E> {
  encodeM(m: M): number;
  encodeE(e: E): unknown;
}

export interface JoinSnapshotDecoder<M, E> {
  decodeM(v: unknown, path: string): M;
  decodeE(v: unknown, path: string): E;
  /** Checks a restored request against the owner's state (e.g. its slice ids exist). */
  check(r: OpenRequest<M>, path: string): void;
}

/**
 * Open requests in table order, one row each: [requestId, model (index into `models`), ts,
 * expiresAt − ts, mv, sliceIds, outputs as [mv, prediction, sliceIds or 1 = the request's], label,
 * flags (1 redo, 2 switched to typing)]; early arrivals in table order: [requestId, expiresAt, items].
 */
export interface RequestJoinSnapshot {
  models: string[];
  open: unknown[][];
  early: unknown[][];
  openHead: SnapNumber;
  earlyHead: SnapNumber;
}

interface EarlyArrival<E> {
  readonly expiresAt: number;
  readonly items: E[];
}

const NO_HITS = (): void => {};
const NONE_WAITING: readonly never[] = Object.freeze([]);

export class RequestJoin<M, E> {
  private readonly open = new Map<string, OpenRequest<M>>();
  private readonly early = new Map<string, EarlyArrival<E>>();
  /**
   * The tables' entries in insertion order, as FIFO queues read from `*Head` (entries no longer in
   * their table are skipped). Why not iterate the Maps: V8 keeps deleted Map entries as holes until
   * the next rehash, so a fresh iterator from the front walks over every entry expired since then —
   * with expire() running at every event-time advance that was ~10% of a shard's time.
   */
  private openQueue: OpenRequest<M>[] = [];
  private openQueueHead = 0;
  private earlyQueue: { requestId: string; entry: EarlyArrival<E> }[] = [];
  private earlyQueueHead = 0;
  /** expiresAt of the first (oldest) entry of each table: expire() is O(1) when nothing is due. */
  private openHead = Infinity;
  private earlyHead = Infinity;

  constructor(
    readonly ttlMs: number,
    private readonly maxPending: number,
    private readonly onLimitHit: () => void = NO_HITS,
  ) {}

  get openCount(): number {
    return this.open.size;
  }

  get earlyCount(): number {
    return this.early.size;
  }

  get(requestId: string): OpenRequest<M> | undefined {
    return this.open.get(requestId);
  }

  /**
   * Opens a request. A duplicate request id replaces the older entry (which is finalised first).
   * Returns the early arrivals waiting for this request, in arrival order (a shared empty array
   * when none: one allocation less per input).
   */
  openRequest(req: OpenRequest<M>, finalise: (r: OpenRequest<M>) => void): readonly E[] {
    const prev = this.open.get(req.requestId);
    if (prev !== undefined) {
      this.open.delete(req.requestId);
      finalise(prev);
      this.openHead = -Infinity; // the head may have changed: the next expire() rescans
    }
    while (this.open.size >= this.maxPending) {
      const oldest = this.firstOpen()!;
      this.openQueueHead++;
      this.open.delete(oldest.requestId);
      finalise(oldest);
      this.openHead = -Infinity;
      this.onLimitHit();
    }
    if (this.open.size === 0) this.openHead = req.expiresAt;
    this.open.set(req.requestId, req);
    this.openQueue.push(req);
    const waiting = this.early.get(req.requestId);
    if (waiting === undefined) return NONE_WAITING;
    this.early.delete(req.requestId);
    return waiting.items;
  }

  /** Parks an output/feedback whose input is not open; returns the number of orphans it evicted. */
  park(requestId: string, item: E, ts: number): number {
    const existing = this.early.get(requestId);
    if (existing !== undefined) {
      existing.items.push(item);
      return 0;
    }
    let evicted = 0;
    while (this.early.size >= this.maxPending) {
      const { requestId: key, entry: oldest } = this.firstEarly()!;
      this.earlyQueueHead++;
      this.early.delete(key);
      evicted += oldest.items.length;
      this.earlyHead = -Infinity;
      this.onLimitHit();
    }
    if (this.early.size === 0) this.earlyHead = ts + this.ttlMs;
    const entry = { expiresAt: ts + this.ttlMs, items: [item] };
    this.early.set(requestId, entry);
    this.earlyQueue.push({ requestId, entry });
    return evicted;
  }

  /**
   * Finalises open requests and drops early arrivals whose TTL ended before `now` (event time).
   * Returns the number of orphans dropped.
   */
  expire(now: number, finalise: (r: OpenRequest<M>) => void): number {
    if (this.openHead < now) {
      this.openHead = Infinity;
      for (let r = this.firstOpen(); r !== undefined; r = this.firstOpen()) {
        if (r.expiresAt >= now) {
          this.openHead = r.expiresAt;
          break;
        }
        this.openQueueHead++;
        this.open.delete(r.requestId);
        finalise(r);
      }
    }
    let orphans = 0;
    if (this.earlyHead < now) {
      this.earlyHead = Infinity;
      for (let first = this.firstEarly(); first !== undefined; first = this.firstEarly()) {
        const e = first.entry;
        if (e.expiresAt >= now) {
          this.earlyHead = e.expiresAt;
          break;
        }
        this.earlyQueueHead++;
        this.early.delete(first.requestId);
        orphans += e.items.length;
      }
    }
    return orphans;
  }

  /** Both tables in their order (the order decides which entries expire or are evicted first). */
  toSnapshot(codec: JoinSnapshotEncoder<M, E>): RequestJoinSnapshot {
    const models: string[] = [];
    const modelIndex = new Map<string, number>();
    const open: unknown[][] = new Array<unknown[]>(this.open.size);
    let i = 0;
    for (const r of this.open.values()) {
      let mi = modelIndex.get(r.modelId);
      if (mi === undefined) {
        mi = models.length;
        models.push(r.modelId);
        modelIndex.set(r.modelId, mi);
      }
      const outputs = r.outputs.map((o) => [codec.encodeM(o.mv), o.prediction, o.sliceIds === r.sliceIds ? 1 : o.sliceIds.slice()]);
      const flags = (r.redo ? 1 : 0) | (r.switchedToTyping ? 2 : 0);
      open[i++] = [r.requestId, mi, r.ts, r.expiresAt - r.ts, codec.encodeM(r.mv), r.sliceIds.slice(), outputs, r.label, flags];
    }
    const early: unknown[][] = [];
    for (const [requestId, e] of this.early) early.push([requestId, e.expiresAt, e.items.map((x) => codec.encodeE(x))]);
    return { models, open, early, openHead: encNum(this.openHead), earlyHead: encNum(this.earlyHead) };
  }

  /** Loads {@link toSnapshot} output into this (new, empty) join. */
  restoreSnapshot(v: unknown, path: string, codec: JoinSnapshotDecoder<M, E>): void {
    const o = readObject(v, path);
    const models = readArray(o.models, `${path}.models`).map((m, i) => readString(m, `${path}.models[${i}]`));
    const open = readArray(o.open, `${path}.open`);
    const early = readArray(o.early, `${path}.early`);
    if (open.length > this.maxPending || early.length > this.maxPending) throw invalidSnapshot(path, 'more entries than join.maxPending');
    open.forEach((rv, i) => {
      const p = `${path}.open[${i}]`;
      const row = readArray(rv, p, 9);
      const requestId = readString(row[0], `${p}[0]`);
      if (this.open.has(requestId)) throw invalidSnapshot(p, 'duplicate request id');
      const ts = readFinite(row[2], `${p}[2]`);
      const sliceIds = readIntArray(row[5], `${p}[5]`);
      const outputs = readArray(row[6], `${p}[6]`).map((ov, j) => {
        const op = `${p}[6][${j}]`;
        const out = readArray(ov, op, 3);
        return { mv: codec.decodeM(out[0], `${op}[0]`), prediction: readNullableString(out[1], `${op}[1]`), sliceIds: out[2] === 1 ? sliceIds : readIntArray(out[2], `${op}[2]`) };
      });
      const flags = readInt(row[8], `${p}[8]`, 0, 3);
      const req: OpenRequest<M> = {
        requestId,
        modelId: models[readInt(row[1], `${p}[1]`, 0, models.length - 1)] as string,
        ts,
        expiresAt: ts + readFinite(row[3], `${p}[3]`),
        mv: codec.decodeM(row[4], `${p}[4]`),
        sliceIds,
        outputs,
        label: readNullableString(row[7], `${p}[7]`),
        redo: (flags & 1) !== 0,
        switchedToTyping: (flags & 2) !== 0,
      };
      codec.check(req, p);
      this.open.set(requestId, req);
      this.openQueue.push(req);
    });
    early.forEach((ev, i) => {
      const p = `${path}.early[${i}]`;
      const row = readArray(ev, p, 3);
      const requestId = readString(row[0], `${p}[0]`);
      if (this.early.has(requestId)) throw invalidSnapshot(p, 'duplicate request id');
      const items = readArray(row[2], `${p}[2]`).map((x, j) => codec.decodeE(x, `${p}[2][${j}]`));
      if (items.length === 0) throw invalidSnapshot(p, 'no items');
      const entry: EarlyArrival<E> = { expiresAt: readFinite(row[1], `${p}[1]`), items };
      this.early.set(requestId, entry);
      this.earlyQueue.push({ requestId, entry });
    });
    this.openHead = decNum(o.openHead, `${path}.openHead`);
    this.earlyHead = decNum(o.earlyHead, `${path}.earlyHead`);
  }

  /** The oldest open request (= the Map's first entry), dropping queue entries replaced or removed meanwhile. */
  private firstOpen(): OpenRequest<M> | undefined {
    const q = this.openQueue;
    while (this.openQueueHead < q.length) {
      const r = q[this.openQueueHead]!;
      if (this.open.get(r.requestId) === r) {
        // Drop the consumed front once it is most of the array (amortised O(1) per entry).
        if (this.openQueueHead >= 1024 && this.openQueueHead * 2 >= q.length) {
          this.openQueue = q.slice(this.openQueueHead);
          this.openQueueHead = 0;
        }
        return r;
      }
      this.openQueueHead++;
    }
    this.openQueue = [];
    this.openQueueHead = 0;
    return undefined;
  }

  private firstEarly(): { requestId: string; entry: EarlyArrival<E> } | undefined {
    const q = this.earlyQueue;
    while (this.earlyQueueHead < q.length) {
      const first = q[this.earlyQueueHead]!;
      if (this.early.get(first.requestId) === first.entry) {
        if (this.earlyQueueHead >= 1024 && this.earlyQueueHead * 2 >= q.length) {
          this.earlyQueue = q.slice(this.earlyQueueHead);
          this.earlyQueueHead = 0;
        }
        return first;
      }
      this.earlyQueueHead++;
    }
    this.earlyQueue = [];
    this.earlyQueueHead = 0;
    return undefined;
  }
}
