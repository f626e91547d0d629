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
 *
 * Time jumps (`windows.maxTimeJumpMs`, issue 5 §4): one record with a wrong but valid ts (say the
 * year 2100) would raise its stream's max ts so that every later event of the stream counts as
 * late. So an event more than maxTimeJumpMs ahead of the partition's max ts (over the three
 * streams; for a stream's first event the others' max) is HELD as a candidate, not accepted. The
 * next event of the same stream that is not late decides (records the decoder rejected never get
 * here, late ones decide nothing): when it also lies more than
 * maxTimeJumpMs ahead of that max and does not lie more than allowedLatenessMs behind the
 * candidate (it continues from the candidate: traffic resumed after a pause), the candidate is
 * accepted, then the record itself is judged as usual; otherwise the candidate is rejected (the
 * pipeline puts it in the DLQ as DRIFTWATCH_TS_OUT_OF_RANGE). A candidate is also accepted as soon
 * as the partition's max ts (of accepted events) comes within maxTimeJumpMs of it: another stream
 * made the same jump (traffic resumed on every topic; sparse feedback must not wait for its next
 * record). At end of input (drain) a candidate nothing confirmed is rejected. A held candidate
 * changes neither its stream's max ts nor the watermark, and when confirmed it is still ahead of
 * everything released meanwhile, so a genuine jump gives the same results as if it had been
 * accepted at once.
 * Limits: two consecutive wrong records close to each other confirm each other; the very first
 * event of a partition has nothing to be compared with and is accepted; whether a stream's first
 * event is compared with the other streams depends on which stream delivered first.
 * Callers add a whole batch before releasing, so the split of one batch across topics never matters.
 * Each stream keeps its own queue sorted by (ts, offset) — appends in the usual in-order case — and
 * release is a three-way merge of the queue heads.
 */
import type { InferenceEvent } from '../pipeline/events';
import type { TopicRole } from '../pipeline/records';
import { decodeEvent, encodeEvent, type EventSnapshot, type TopicTable } from './event-snapshot';
import { decBytes, decNum, encBytes, encNum, invalidSnapshot, readArray, readBoolean, readNullableString, readObject, type SnapNumber } from './snapshot-codec';

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

/** An event held because its ts jumped more than maxTimeJumpMs ahead (see the file comment). */
export interface TimeJumpCandidate {
  readonly item: MergedEvent;
  /** The max ts it jumped from (the partition's max when it arrived). */
  readonly base: number;
  /** Its record's raw value and key: its DLQ entry if it is rejected. */
  readonly value: Uint8Array;
  readonly key: string | null;
}

/**
 * Told when a held candidate is decided: accepted (it is in the merge now) or rejected (`why`
 * says why, for the DLQ entry).
 */
export type TimeJumpVerdict = (candidate: TimeJumpCandidate, accepted: boolean, why: string) => void;

/** What {@link StreamMerger.add} did with an event. */
export type AddResult = 'accepted' | 'late' | 'held';

/** One stream's waiting events, sorted by (ts, offset); usually appended in order. */
class StreamQueue {
  items: MergedEvent[] = [];
  head = 0;
  maxTs = -Infinity;
  started = false;
  held: TimeJumpCandidate | null = null;

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

/**
 * Per stream (inputs, outputs, feedback): whether it delivered, its max ts, its waiting events in
 * order, and its held time-jump candidate as [event, base, value (base64), key] or null.
 */
export interface StreamMergerSnapshot {
  streams: { started: boolean; maxTs: SnapNumber; events: EventSnapshot[]; held: [EventSnapshot, SnapNumber, string, string | null] | null }[];
}

function isoTime(ts: number): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toISOString();
}

/** The DLQ message of a rejected candidate. */
function jumpMessage(c: TimeJumpCandidate, maxTimeJumpMs: number, because: string): string {
  const cts = c.item.event.ts;
  return (
    `ts ${cts} (${isoTime(cts)}) jumped ${cts - c.base} ms ahead of the partition's latest event time ${c.base} (${isoTime(c.base)}), ` +
    `more than windows.maxTimeJumpMs (${maxTimeJumpMs}), and ${because}`
  );
}

const EMPTY_VALUE = new Uint8Array(0);

/** Accepts an event into its stream: it may raise the stream's max ts. */
function accept(q: StreamQueue, item: MergedEvent): void {
  q.started = true;
  if (item.event.ts > q.maxTs) q.maxTs = item.event.ts;
  q.add(item);
}

export class StreamMerger {
  /** Indexed by role rank: inputs, outputs, feedback. */
  private readonly queues = [new StreamQueue(), new StreamQueue(), new StreamQueue()];
  /** Held candidates (a fast path: nothing to check while 0). */
  private holding = 0;

  /**
   * @param allowedLatenessMs - `windows.allowedLatenessMs`.
   * @param startupHoldMs - until both the inputs and the outputs stream have delivered, events are
   *   held this much longer (event time) than the watermark alone would (`join.ttlMs` in the
   *   pipeline): a fetch that brings one topic's first batch before the other's then changes
   *   nothing, as long as it is less than this far ahead. Feedback is optional, so it is not waited for.
   * @param idleFeedbackMs - a feedback stream this far (event time) behind the inputs/outputs
   *   streams is idle: it no longer holds them back (default 5 × startupHoldMs).
   * @param maxTimeJumpMs - `windows.maxTimeJumpMs`: events further ahead are held as candidates
   *   (default: no limit, nothing is held).
   * @param onVerdict - told when a held candidate is accepted or rejected.
   */
  constructor(
    private readonly allowedLatenessMs: number,
    private readonly startupHoldMs = 0,
    private readonly idleFeedbackMs = 5 * startupHoldMs,
    private readonly maxTimeJumpMs = Infinity,
    private readonly onVerdict: TimeJumpVerdict = () => undefined,
  ) {}

  /** Events waiting for the watermark (held candidates included). */
  get buffered(): number {
    let n = 0;
    for (const q of this.queues) n += q.size + (q.held === null ? 0 : 1);
    return n;
  }

  /** Held time-jump candidates (at most one per stream). */
  get held(): number {
    return this.holding;
  }

  /**
   * Adds one decoded event: `late` (kept nowhere) when it is late on its own stream, `held` when it
   * jumped more than maxTimeJumpMs ahead (a candidate until the stream's next record), else
   * `accepted`. It may first decide its stream's held candidate (see the file comment).
   * @param value - the record's raw value and `key` its key, kept if the event is held.
   */
  add(item: MergedEvent, value: Uint8Array = EMPTY_VALUE, key: string | null = null): AddResult {
    const q = this.queues[item.rank] as StreamQueue;
    const ts = item.event.ts;
    const lateness = this.allowedLatenessMs;
    // A late record is dropped and decides nothing (a straggler says nothing about a jump).
    if (q.started && ts < q.maxTs - lateness) return 'late';
    const c = q.held;
    if (c !== null) {
      q.held = null;
      this.holding--;
      if (ts - c.base > this.maxTimeJumpMs && ts >= c.item.event.ts - lateness) {
        accept(q, c.item);
        this.onVerdict(c, true, '');
        if (this.holding > 0) this.acceptCaughtUp();
      } else {
        this.onVerdict(c, false, jumpMessage(c, this.maxTimeJumpMs, `the next record of its topic-partition (offset ${item.offset}, ts ${ts}) did not follow it`));
      }
    }
    const g = this.partitionMaxTs();
    if (g !== -Infinity && ts - g > this.maxTimeJumpMs) {
      q.held = { item, base: g, value: value.slice(), key };
      this.holding++;
      return 'held';
    }
    accept(q, item);
    if (this.holding > 0) this.acceptCaughtUp();
    return 'accepted';
  }

  /** Accepts the held candidates that the partition's max ts has come within maxTimeJumpMs of. */
  private acceptCaughtUp(): void {
    for (let changed = true; changed; ) {
      changed = false;
      const g = this.partitionMaxTs();
      for (const q of this.queues) {
        const c = q.held;
        if (c === null || c.item.event.ts - g > this.maxTimeJumpMs) continue;
        q.held = null;
        this.holding--;
        accept(q, c.item);
        this.onVerdict(c, true, '');
        changed = true;
      }
    }
  }

  /** The max ts over the three streams (−∞ before any event). */
  private partitionMaxTs(): number {
    let g = -Infinity;
    for (const q of this.queues) if (q.maxTs > g) g = q.maxTs;
    return g;
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
    if (this.feedbackHolds(max)) {
      if (feedback.maxTs - this.allowedLatenessMs < w) w = feedback.maxTs - this.allowedLatenessMs;
      if (feedback.maxTs > max) max = feedback.maxTs;
    }
    if (w === Infinity) return -Infinity;
    if (!inputs.started || !outputs.started) w = Math.min(w, max - this.allowedLatenessMs - this.startupHoldMs);
    return w;
  }

  /**
   * Whether the feedback stream takes part in the watermark, given `max` = the max ts of the
   * inputs and outputs streams. Feedback is sparse (users rarely give it): a feedback stream more
   * than idleFeedbackMs behind the others is idle and does not hold them back; its later events are
   * still processed, only not in merge order. The threshold is large (5 × join.ttlMs) because the
   * decision depends on how far the fetches of the topics are apart, i.e. on timing; within it,
   * results do not.
   */
  private feedbackHolds(max: number): boolean {
    const feedback = this.queues[2] as StreamQueue;
    return feedback.started && (max === -Infinity || feedback.maxTs >= max - this.idleFeedbackMs);
  }

  /**
   * Which of the inputs and outputs streams holds the watermark back while the other is ahead:
   * 'inputs' or 'outputs' (its events are what the buffered ones wait for), or null when one of
   * the two has not started, both are level, or a participating feedback stream is further behind
   * than both (sparse feedback is never waited for by fetching less of the others: that could wait
   * forever, see the ingest consumer's fetch alignment).
   */
  laggingSource(): 'inputs' | 'outputs' | null {
    const [inputs, outputs, feedback] = this.queues as [StreamQueue, StreamQueue, StreamQueue];
    if (!inputs.started || !outputs.started || inputs.maxTs === outputs.maxTs) return null;
    const slowest = Math.min(inputs.maxTs, outputs.maxTs);
    if (this.feedbackHolds(Math.max(inputs.maxTs, outputs.maxTs)) && feedback.maxTs < slowest) return null;
    return inputs.maxTs < outputs.maxTs ? 'inputs' : 'outputs';
  }

  /** Releases, in merge order, every buffered event strictly below the watermark. */
  release(sink: (e: MergedEvent) => void): void {
    this.releaseBelow(this.watermark(), sink);
  }

  /**
   * End of input: rejects the held candidates (no later record can confirm them), then releases
   * everything still buffered, in merge order.
   */
  drain(sink: (e: MergedEvent) => void): void {
    for (const q of this.queues) {
      const c = q.held;
      if (c === null) continue;
      q.held = null;
      this.holding--;
      this.onVerdict(c, false, jumpMessage(c, this.maxTimeJumpMs, 'the input ended before another record of its topic-partition confirmed it'));
    }
    this.releaseBelow(Infinity, sink);
  }

  /** The merge state (what decides lateness, the watermark and the release order from here on). */
  toSnapshot(topics: TopicTable): StreamMergerSnapshot {
    return {
      streams: this.queues.map((q) => {
        const events: EventSnapshot[] = new Array<EventSnapshot>(q.size);
        for (let i = q.head; i < q.items.length; i++) events[i - q.head] = encodeEvent(q.items[i] as MergedEvent, topics);
        const c = q.held;
        const held: StreamMergerSnapshot['streams'][number]['held'] = c === null ? null : [encodeEvent(c.item, topics), encNum(c.base), encBytes(c.value), c.key];
        return { started: q.started, maxTs: encNum(q.maxTs), events, held };
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
      q.held = null;
      if (s.held !== null) {
        const hp = `${p}.held`;
        const h = readArray(s.held, hp, 4);
        const item = decodeEvent(h[0], `${hp}[0]`, topics);
        if (item.rank !== rank) throw invalidSnapshot(`${hp}[0]`, 'event of another stream');
        const base = decNum(h[1], `${hp}[1]`);
        // Only an event more than maxTimeJumpMs ahead of a finite max is ever held.
        if (!Number.isFinite(base) || !(item.event.ts - base > this.maxTimeJumpMs)) throw invalidSnapshot(`${hp}[1]`, 'not a time jump');
        q.held = { item, base, value: new Uint8Array(decBytes(h[2], `${hp}[2]`)), key: readNullableString(h[3], `${hp}[3]`) };
        this.holding++;
      }
    });
    // Held candidates are always still more than maxTimeJumpMs ahead of the partition's max.
    const g = this.partitionMaxTs();
    this.queues.forEach((q, rank) => {
      if (q.held !== null && !(q.held.item.event.ts - g > this.maxTimeJumpMs)) throw invalidSnapshot(`${path}.streams[${rank}].held`, 'no longer a time jump');
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
