/**
 * Merges the co-partitioned streams of one partition index (inputs, outputs, feedback) into one
 * event-time order behind a watermark, so that results depend only on each topic-partition's record
 * sequence and never on how fetches from the three topics interleave (DESIGN.md §3):
 * - an event is late iff ts < (max ts seen so far on its own stream) − allowedLatenessMs; late
 *   events are counted and dropped;
 * - the others wait in a heap and are released in (ts, role rank, offset) order once ts is strictly
 *   below the watermark = min over the streams that delivered at least one event of
 *   (their max ts − allowedLatenessMs).
 * Two refinements: at start-up, releases wait (up to `startupHoldMs` = join.ttlMs) for both the
 * inputs and the outputs stream; and a feedback stream that has fallen more than `idleFeedbackMs`
 * (5 × join.ttlMs) behind the others counts as idle (sparse feedback must not stall detection).
 * Callers add a whole batch before releasing, so the split of one batch across topics never matters.
 * Each stream keeps its own queue sorted by (ts, offset) — appends in the usual in-order case — and
 * release is a three-way merge of the queue heads.
 */
import type { InferenceEvent } from '../pipeline/events';
import type { TopicRole } from '../pipeline/records';
import { decodeEvent, encodeEvent, type EventSnapshot, type TopicTable } from './event-snapshot';
import { decNum, encNum, invalidSnapshot, readArray, readBoolean, readObject, type SnapNumber } from './snapshot-codec';

/** An event waiting in the merge, with the coordinates of the record it came from. */
export interface MergedEvent {
  event: InferenceEvent;
  role: TopicRole;
  /** ROLE_RANK[role]: 0 inputs, 1 outputs, 2 feedback. */
  rank: number;
  topic: string;
  partition: number;
  offset: number;
}

function before(a: MergedEvent, b: MergedEvent): boolean {
  const ta = a.event.ts;
  const tb = b.event.ts;
  if (ta !== tb) return ta < tb;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.offset < b.offset;
}

/** One stream's waiting events, sorted by (ts, offset); usually appended in order. */
class StreamQueue {
  items: MergedEvent[] = [];
  head = 0;
  maxTs = -Infinity;
  started = false;

  get size(): number {
    return this.items.length - this.head;
  }

  add(x: MergedEvent): void {
    const items = this.items;
    const n = items.length;
    if (n === this.head || !before(x, items[n - 1] as MergedEvent)) {
      items.push(x);
      return;
    }
    // Out of order within the allowed lateness: binary insertion (rare).
    let lo = this.head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(x, items[mid] as MergedEvent)) hi = mid;
      else lo = mid + 1;
    }
    items.splice(lo, 0, x);
  }

  peek(): MergedEvent | undefined {
    return this.items[this.head];
  }

  shift(): MergedEvent {
    const x = this.items[this.head] as MergedEvent;
    this.items[this.head] = undefined as unknown as MergedEvent;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

/** Per stream (inputs, outputs, feedback): whether it delivered, its max ts, its waiting events in order. */
export interface StreamMergerSnapshot {
  streams: { started: boolean; maxTs: SnapNumber; events: EventSnapshot[] }[];
}

export class StreamMerger {
  /** Indexed by role rank: inputs, outputs, feedback. */
  private readonly queues = [new StreamQueue(), new StreamQueue(), new StreamQueue()];

  /**
   * @param allowedLatenessMs - `windows.allowedLatenessMs`.
   * @param startupHoldMs - until both the inputs and the outputs stream have delivered, events are
   *   held this much longer (event time) than the watermark alone would (`join.ttlMs` in the
   *   pipeline): a fetch that brings one topic's first batch before the other's then changes
   *   nothing, as long as it is less than this far ahead. Feedback is optional, so it is not waited for.
   * @param idleFeedbackMs - a feedback stream this far (event time) behind the inputs/outputs
   *   streams is idle: it no longer holds them back (default 5 × startupHoldMs).
   */
  constructor(
    private readonly allowedLatenessMs: number,
    private readonly startupHoldMs = 0,
    private readonly idleFeedbackMs = 5 * startupHoldMs,
  ) {}

  /** Events waiting for the watermark. */
  get buffered(): number {
    return (this.queues[0] as StreamQueue).size + (this.queues[1] as StreamQueue).size + (this.queues[2] as StreamQueue).size;
  }

  /** Adds one decoded event; returns false (and keeps nothing) when it is late on its own stream. */
  add(item: MergedEvent): boolean {
    const q = this.queues[item.rank] as StreamQueue;
    const ts = item.event.ts;
    if (q.started && ts < q.maxTs - this.allowedLatenessMs) return false;
    q.started = true;
    if (ts > q.maxTs) q.maxTs = ts;
    q.add(item);
    return true;
  }

  /** The current watermark (−∞ before any event). */
  watermark(): number {
    const [inputs, outputs, feedback] = this.queues as [StreamQueue, StreamQueue, StreamQueue];
    let w = Infinity;
    let max = -Infinity;
    for (const q of [inputs, outputs]) {
      if (!q.started) continue;
      if (q.maxTs - this.allowedLatenessMs < w) w = q.maxTs - this.allowedLatenessMs;
      if (q.maxTs > max) max = q.maxTs;
    }
    // Feedback is sparse (users rarely give it): a feedback stream more than idleFeedbackMs behind
    // the others is idle and does not hold them back; its later events are still processed, only
    // not in merge order. The threshold is large (5 × join.ttlMs) because the decision depends on
    // how far the fetches of the topics are apart, i.e. on timing; within it, results do not.
    if (feedback.started && (max === -Infinity || feedback.maxTs >= max - this.idleFeedbackMs)) {
      if (feedback.maxTs - this.allowedLatenessMs < w) w = feedback.maxTs - this.allowedLatenessMs;
      if (feedback.maxTs > max) max = feedback.maxTs;
    }
    if (w === Infinity) return -Infinity;
    if (!inputs.started || !outputs.started) w = Math.min(w, max - this.allowedLatenessMs - this.startupHoldMs);
    return w;
  }

  /** Releases, in merge order, every buffered event strictly below the watermark. */
  release(sink: (e: MergedEvent) => void): void {
    this.releaseBelow(this.watermark(), sink);
  }

  /** End of input: releases everything still buffered, in merge order. */
  drain(sink: (e: MergedEvent) => void): void {
    this.releaseBelow(Infinity, sink);
  }

  /** The merge state (what decides lateness, the watermark and the release order from here on). */
  toSnapshot(topics: TopicTable): StreamMergerSnapshot {
    return {
      streams: this.queues.map((q) => {
        const events: EventSnapshot[] = new Array<EventSnapshot>(q.size);
        for (let i = q.head; i < q.items.length; i++) events[i - q.head] = encodeEvent(q.items[i] as MergedEvent, topics);
        return { started: q.started, maxTs: encNum(q.maxTs), events };
      }),
    };
  }

  /** Loads {@link toSnapshot} output into this (new, empty) merger. */
  restoreSnapshot(v: unknown, path: string, topics: readonly string[]): void {
    const streams = readArray(readObject(v, path).streams, `${path}.streams`, 3);
    streams.forEach((sv, rank) => {
      const p = `${path}.streams[${rank}]`;
      const s = readObject(sv, p);
      const q = this.queues[rank] as StreamQueue;
      q.started = readBoolean(s.started, `${p}.started`);
      q.maxTs = decNum(s.maxTs, `${p}.maxTs`);
      const events = readArray(s.events, `${p}.events`);
      const items: MergedEvent[] = new Array<MergedEvent>(events.length);
      for (let i = 0; i < events.length; i++) {
        const x = decodeEvent(events[i], `${p}.events[${i}]`, topics);
        if (x.rank !== rank) throw invalidSnapshot(`${p}.events[${i}]`, 'event of another stream');
        if (i > 0 && before(x, items[i - 1] as MergedEvent)) throw invalidSnapshot(`${p}.events[${i}]`, 'events out of order');
        items[i] = x;
      }
      q.items = items;
      if (q.items.length > 0 && !q.started) throw invalidSnapshot(p, 'events in a stream that never started');
      q.head = 0;
    });
  }

  private releaseBelow(w: number, sink: (e: MergedEvent) => void): void {
    const [a, b, c] = this.queues as [StreamQueue, StreamQueue, StreamQueue];
    for (;;) {
      let best: StreamQueue | null = null;
      let top: MergedEvent | undefined;
      for (let i = 0; i < 3; i++) {
        const q = i === 0 ? a : i === 1 ? b : c;
        const x = q.peek();
        if (x !== undefined && x.event.ts < w && (top === undefined || before(x, top))) {
          best = q;
          top = x;
        }
      }
      if (best === null) return;
      sink(best.shift());
    }
  }
}
