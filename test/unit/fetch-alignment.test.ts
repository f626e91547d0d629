/**
 * Fetch alignment by event time (src/shards/fetch-alignment.ts): which stream the merge waits for
 * (StreamMerger.laggingSource), and when the shard advises holding the other one back.
 */
import { StreamMerger, type MergedEvent } from '../../src/engine/stream-merger';
import { FetchAlignment, HOLD_AT, RELEASE_AT } from '../../src/shards/fetch-alignment';
import type { InputEvent } from '../../src/pipeline/events';
import { ROLE_RANK, type TopicRole } from '../../src/pipeline/records';

const LATENESS = 10;
const IDLE_FEEDBACK_MS = 5_000;

function merger(): StreamMerger {
  return new StreamMerger(LATENESS, 1_000, IDLE_FEEDBACK_MS);
}

const offsets: Record<TopicRole, number> = { inputs: 0, outputs: 0, feedback: 0 };
function item(role: TopicRole, ts: number): MergedEvent {
  const event: InputEvent = { type: 'input', requestId: `${role}-${ts}`, modelId: 'm', modelVersion: 'v', ts, sessionId: null, segment: {}, length: 1, brightness: null, features: {} };
  return { event, role, rank: ROLE_RANK[role], topic: role, partition: 0, offset: offsets[role]++ };
}

describe('StreamMerger.laggingSource', () => {
  it('names the one of inputs/outputs that is behind, and nothing before both started or when level', () => {
    const m = merger();
    expect(m.laggingSource()).toBeNull();
    m.add(item('inputs', 1_000));
    expect(m.laggingSource()).toBeNull(); // outputs not started
    m.add(item('outputs', 5_000));
    expect(m.laggingSource()).toBe('inputs');
    m.add(item('inputs', 9_000));
    expect(m.laggingSource()).toBe('outputs');
    m.add(item('outputs', 9_000));
    expect(m.laggingSource()).toBeNull();
  });

  it('is null while a participating feedback stream is further behind (sparse feedback is never waited for by fetching less)', () => {
    const m = merger();
    m.add(item('feedback', 1_000));
    m.add(item('inputs', 2_000));
    m.add(item('outputs', 3_000));
    expect(m.buffered).toBe(3);
    expect(m.laggingSource()).toBeNull();
    // Feedback more than idleFeedbackMs behind is idle: inputs vs outputs decide again.
    m.add(item('outputs', 1_000 + IDLE_FEEDBACK_MS + 2_000));
    expect(m.laggingSource()).toBe('inputs');
  });
});

describe('FetchAlignment', () => {
  it('holds the leader back from HOLD_AT buffered events until RELEASE_AT, and never the stream the merge waits for', () => {
    const a = new FetchAlignment();
    expect(a.update(HOLD_AT - 1, 'inputs')).toBeNull();
    expect(a.update(HOLD_AT, 'inputs')).toBe('outputs');
    // Hysteresis: still held while the buffer drains down to RELEASE_AT.
    expect(a.update(RELEASE_AT + 1, 'inputs')).toBe('outputs');
    // The leader changed while held: the new leader is held, not the stream now waited for.
    expect(a.update(RELEASE_AT + 1, 'outputs')).toBe('inputs');
    expect(a.update(RELEASE_AT, 'outputs')).toBeNull();
    // Below HOLD_AT and not holding: nothing held.
    expect(a.update(HOLD_AT - 1, 'outputs')).toBeNull();
  });

  it('holds nothing when no stream of inputs/outputs is what the merge waits for', () => {
    const a = new FetchAlignment();
    expect(a.update(HOLD_AT * 10, null)).toBeNull();
    expect(a.update(HOLD_AT, 'outputs')).toBe('inputs');
    expect(a.update(HOLD_AT * 10, null)).toBeNull();
  });
});
