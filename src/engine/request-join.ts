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

interface EarlyArrival<E> {
  readonly expiresAt: number;
  readonly items: E[];
}

const NO_HITS = (): void => {};

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
   * Returns the early arrivals waiting for this request, in arrival order.
   */
  openRequest(req: OpenRequest<M>, finalise: (r: OpenRequest<M>) => void): E[] {
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
    if (waiting === undefined) return [];
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
