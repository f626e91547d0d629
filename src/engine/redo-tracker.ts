/**
 * Derived redos (DESIGN.md §2.1): the same session sends a new input within `redo.windowMs` of its
 * previous one, so the previous request counts as redone. Remembers the last request per
 * (model, session) in insertion order, forgetting sessions idle for longer than the window, and at
 * most `maxSessions` of them (the oldest go first).
 */
import { decNum, encNum, invalidSnapshot, readArray, readFinite, readObject, readString, type SnapNumber } from './snapshot-codec';

/** Sessions least recently active first, flat: [model\u001fsession, requestId, ts, …]; headTs as is. */
export interface RedoTrackerSnapshot {
  last: (string | number)[];
  headTs: SnapNumber;
}

export class RedoTracker {
  private readonly last = new Map<string, { requestId: string; ts: number }>();
  /** ts of the least recently active session (a lower bound): no scan while nothing is idle. */
  private headTs = Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly maxSessions: number,
    /** Called once per session forgotten because the table was full (not idle): limit `joinMaxPending`. */
    private readonly onLimitHit: () => void = () => {},
  ) {}

  /**
   * Records an input of `sessionId`; returns the request id it redoes (the session's previous
   * request, if it came at most `windowMs` earlier), else null.
   */
  observe(modelId: string, sessionId: string, requestId: string, ts: number): string | null {
    const key = `${modelId}\u001f${sessionId}`;
    const prev = this.last.get(key);
    if (prev !== undefined) this.last.delete(key);
    else if (this.headTs < ts - this.windowMs - (this.windowMs >> 3) || this.last.size >= this.maxSessions) {
      // (Idle sessions are swept in batches, an eighth of the window apart; a stale entry is
      // harmless because the gap is checked below.)
      // Forget idle sessions (front of the map = least recently active), then enforce the cap.
      this.headTs = Infinity;
      for (const [k, v] of this.last) {
        if (v.ts >= ts - this.windowMs && this.last.size < this.maxSessions) {
          this.headTs = v.ts;
          break;
        }
        this.last.delete(k);
        if (v.ts >= ts - this.windowMs) this.onLimitHit(); // still active: evicted by the cap
      }
    }
    if (this.last.size === 0 || prev !== undefined) this.headTs = Math.min(this.headTs, prev?.ts ?? ts);
    if (prev === undefined) {
      this.last.set(key, { requestId, ts });
      return null;
    }
    // The session's entry is reused (moved to the back of the map), not reallocated.
    const prevId = prev.requestId;
    const prevTs = prev.ts;
    prev.requestId = requestId;
    prev.ts = ts;
    this.last.set(key, prev);
    if (prevId === requestId) return null;
    const gap = ts - prevTs;
    return gap >= 0 && gap <= this.windowMs ? prevId : null;
  }

  toSnapshot(): RedoTrackerSnapshot {
    const last: (string | number)[] = new Array<string | number>(this.last.size * 3);
    let i = 0;
    for (const [k, v] of this.last) {
      last[i++] = k;
      last[i++] = v.requestId;
      last[i++] = v.ts;
    }
    return { last, headTs: encNum(this.headTs) };
  }

  /** Loads {@link toSnapshot} output into this (new, empty) tracker. */
  restoreSnapshot(v: unknown, path: string): void {
    const o = readObject(v, path);
    const a = readArray(o.last, `${path}.last`);
    if (a.length % 3 !== 0) throw invalidSnapshot(`${path}.last`, 'not triples');
    if (a.length / 3 > this.maxSessions) throw invalidSnapshot(`${path}.last`, 'more sessions than the cap');
    for (let i = 0; i < a.length; i += 3) {
      const k = readString(a[i], `${path}.last[${i}]`);
      if (this.last.has(k)) throw invalidSnapshot(`${path}.last[${i}]`, 'duplicate session');
      this.last.set(k, { requestId: readString(a[i + 1], `${path}.last[${i + 1}]`), ts: readFinite(a[i + 2], `${path}.last[${i + 2}]`) });
    }
    this.headTs = decNum(o.headTs, `${path}.headTs`);
  }
}
