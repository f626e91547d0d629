/**
 * Merges the co-partitioned streams of one partition index (inputs, outputs, feedback) into one
 * event-time order behind a watermark, so that results depend only on each topic-partition's record
 * sequence and never on how fetches from the three topics interleave (DESIGN.md §3):
 * - an event is late iff ts < (max ts seen so far on its own stream) − allowedLatenessMs; late
 *   events are counted and dropped;
 * - the others wait in a heap and are released in (ts, role rank, offset) order once ts is strictly
 *   below the watermark = min over the streams that delivered at least one event of
 *   (their max ts − allowedLatenessMs).
 * Callers add a whole batch before releasing, so the split of one batch across topics never matters.
 */
import type { InferenceEvent } from '../pipeline/events';
import { ROLE_RANK, type TopicRole } from '../pipeline/records';

/** An event waiting in the merge, with the coordinates of the record it came from. */
export interface MergedEvent {
  event: InferenceEvent;
  role: TopicRole;
  rank: number;
  topic: string;
  partition: number;
  offset: number;
}

const ROLES: readonly TopicRole[] = ['inputs', 'outputs', 'feedback'];

function before(a: MergedEvent, b: MergedEvent): boolean {
  const ta = a.event.ts;
  const tb = b.event.ts;
  if (ta !== tb) return ta < tb;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.offset < b.offset;
}

export class StreamMerger {
  private readonly maxTs = new Map<TopicRole, number>();
  private readonly heap: MergedEvent[] = [];

  constructor(private readonly allowedLatenessMs: number) {}

  /** Events waiting for the watermark. */
  get buffered(): number {
    return this.heap.length;
  }

  /** Adds one decoded event; returns false (and keeps nothing) when it is late on its own stream. */
  add(item: Omit<MergedEvent, 'rank'>): boolean {
    const ts = item.event.ts;
    const max = this.maxTs.get(item.role);
    if (max !== undefined && ts < max - this.allowedLatenessMs) return false;
    if (max === undefined || ts > max) this.maxTs.set(item.role, ts);
    this.heapPush({ ...item, rank: ROLE_RANK[item.role] });
    return true;
  }

  /** The current watermark (−∞ before any event). */
  watermark(): number {
    let w = Infinity;
    for (const role of ROLES) {
      const m = this.maxTs.get(role);
      if (m !== undefined && m - this.allowedLatenessMs < w) w = m - this.allowedLatenessMs;
    }
    return w === Infinity ? -Infinity : w;
  }

  /** Releases, in merge order, every buffered event strictly below the watermark. */
  release(sink: (e: MergedEvent) => void): void {
    const w = this.watermark();
    while (this.heap.length > 0 && (this.heap[0] as MergedEvent).event.ts < w) sink(this.heapPop());
  }

  /** End of input: releases everything still buffered, in merge order. */
  drain(sink: (e: MergedEvent) => void): void {
    while (this.heap.length > 0) sink(this.heapPop());
  }

  private heapPush(x: MergedEvent): void {
    const h = this.heap;
    let i = h.length;
    h.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as MergedEvent;
      if (!before(x, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = x;
  }

  private heapPop(): MergedEvent {
    const h = this.heap;
    const top = h[0] as MergedEvent;
    const last = h.pop() as MergedEvent;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && before(h[r] as MergedEvent, h[l] as MergedEvent)) c = r;
        if (!before(h[c] as MergedEvent, last)) break;
        h[i] = h[c] as MergedEvent;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
