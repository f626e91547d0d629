/**
 * Fetch alignment by event time, decided per partition index in its shard worker.
 *
 * kafkajs fetches every topic-partition with the same byte budget, so the topic with the smaller
 * records runs ahead in event time while a backlog is read: on the service bench the outputs ran
 * ~48,000 events ahead of the inputs per partition, and all of those waited in the merge (decoded,
 * in memory, surviving collections) until the inputs caught up: the buffer grows with the backlog,
 * not with anything configured. (Feeding the pipeline 40,000 records out of step instead of in step
 * costs it 5–8% more time in a one-thread harness, mostly garbage collection; in the service the
 * shard's time fell ~2% with alignment.)
 *
 * So when a partition's merge buffer reaches HOLD_AT events and one of the inputs and outputs
 * streams holds it back (PartitionPipeline.mergeBacklog), the other one is "held back": the ingest
 * consumer pauses that topic-partition, fetches only the lagging one until the buffer is down to
 * RELEASE_AT, then resumes it. Results do not change (the pipeline is indifferent to how the topics'
 * records interleave across pushes); only memory and time do. Never on account of feedback, which
 * is sparse: pausing the others until feedback arrives could wait forever. And only while the
 * lagging stream has records left to fetch (the consumer checks its lag): when its producer paused
 * or stopped, holding the other back would stop a healthy topic on account of a silent one, so
 * the merge buffers then, as it did without alignment.
 */
import type { TopicRole } from '../pipeline/records';

/** Merge-buffer size (events of one partition index) at which the leading stream is held back. */
export const HOLD_AT = 10_000;
/** ...and at or below which it is fetched again. */
export const RELEASE_AT = 2_500;

export class FetchAlignment {
  /** The role whose topic-partition is held back now. */
  private holding: TopicRole | null = null;

  /**
   * The role to hold back after a push, from the merge backlog: the leader of inputs/outputs while
   * the buffer is at HOLD_AT or above, and (hysteresis) until it is down to RELEASE_AT; null otherwise.
   * If the leader changes meanwhile, the new leader is held (never the stream the merge waits for).
   */
  update(buffered: number, lagging: 'inputs' | 'outputs' | null): TopicRole | null {
    const leader: TopicRole | null = lagging === null ? null : lagging === 'inputs' ? 'outputs' : 'inputs';
    if (leader === null || buffered <= RELEASE_AT) this.holding = null;
    else if (buffered >= HOLD_AT || this.holding !== null) this.holding = leader;
    return this.holding;
  }
}
