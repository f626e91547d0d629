/**
 * The consumer loop: one kafkajs consumer group over the inputs, outputs and feedback topics, with
 * the co-partition assigner so that partition p of the three topics lands on this member together.
 *
 * eachBatch only routes: it packs the batch into one transferable buffer and hands it to shard
 * p mod N, resolves the batch's offsets (that moves kafkajs' FETCH position, not the committed
 * offset: autoCommit is off) and returns. The shard's answers are handled on a per-shard chain, in
 * order: each partition's outputs, its offsets and (when due) its checkpoint are committed in one
 * Kafka transaction of that partition (src/kafka/partition-transactions.ts): exactly-once alerts
 * for read_committed consumers.
 *
 * Taking a partition over (assignment, shard crash, fenced by another instance) goes through
 * src/kafka/partition-recovery.ts: restore the checkpoint, seek to what it covers, push the records
 * up to the committed offsets again with their outputs dropped. A revoked partition is flushed
 * (its queued results committed, then a last checkpoint) and dropped; at shutdown every partition
 * is checkpointed. The live service never "finishes" a pipeline: a stream does not end.
 *
 * Backpressure: each shard has at most `maxInFlightBatchesPerShard` fetch rounds between hand-over
 * and commit (a round hands the shard one push per partition index it owns); at that bound the
 * shard's partitions are paused (consumer.pause) and resumed once it has drained to half the bound,
 * so a slow shard or a slow alert topic grows lag, not memory. Counted in rounds, not pushes: a
 * shard owning 3 partition indexes got 3 pushes per round, so a bound of 4 pushes paused it after
 * every round, and each pause costs a fetch that waits fetchMaxWaitMs with nothing to fetch while
 * the shard ran dry (measured: the shard idle ~25% of the service bench).
 *
 * Re-deliveries: records at or below the highest offset already handed to the shard are dropped
 * here, so a shard never sees a record twice while it keeps the partition's state.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { DriftwatchConfig } from '../config/config-types';
import type { TopicRole } from '../pipeline/records';
import { encodeBatch } from '../shards/batch-codec';
import type { ShardPool } from '../shards/shard-pool';
import type { AssignedPartition, PartitionResult, ShardResult } from '../shards/shard-protocol';
import type { AlertEncoder } from './alert-encoding';
import { CheckpointReader } from './checkpoint-store';
import { createCoPartitionAssigner } from './co-partition-assigner';
import { recoverPartitions, type RecoveredPartition } from './partition-recovery';
import { StableOffsetReader } from './stable-offset-fetch';
import type { PartitionTransactions } from './partition-transactions';
import { sourceTopics } from './topic-setup';

/** What the consumer tells the service (metrics, events). */
export interface IngestHandlers {
  /**
   * A partition's outputs were committed (alerts are visible to read_committed consumers now); for
   * an answer without outputs, once its offsets are queued for the next commit (its counters).
   */
  onCommitted?(part: PartitionResult): void;
  /**
   * A checkpoint was committed: its size, the shard time it took, and the interval its shard's
   * partitions are checkpointed at from now on (see checkpointIntervalMs).
   */
  onCheckpoint?(partition: number, checkpoint: { bytes: number; ms: number; shard: number; intervalMs: number }): void;
  /** Consumer lag of a topic-partition, as kafkajs computed it for the last batch. */
  onLag?(topic: string, partition: number, lag: number): void;
  /** The member joined the group with these partition indexes. */
  onAssigned?(partitions: number[]): void;
  onPaused?(shard: number, paused: boolean): void;
  /** A push (one fetch round of a partition index) was answered: records per role, seconds from hand-over. */
  onBatchDone?(shard: number, records: ReadonlyMap<TopicRole, number>, seconds: number): void;
  /** Fetch rounds handed to the shard and not yet committed (or failed). */
  onInFlight?(shard: number, inFlight: number): void;
  /** Events of a partition index waiting in its merge for the watermark, after a push. */
  onMergeBuffered?(partition: number, events: number): void;
  /** Partitions taken over: how many came from a checkpoint, and how long it took. */
  onRecovered?(partitions: number[], restored: number, ms: number): void;
}

/** How long a partition that starts on live traffic waits for its silent streams (see shard-worker's start gate). */
const LIVE_START_GATE_MS = 5000;

const tpKey = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

/** Deletes the entries of every topic of partition index p from a map keyed by tpKey. */
function deletePartitionKeys(map: Map<string, unknown>, partition: number): void {
  for (const key of [...map.keys()]) if (key.startsWith(`${partition}\u0000`)) map.delete(key);
}

/** A partition index this member owns. */
interface Owned {
  tx: PartitionTransactions;
  /** Source topic → offset committed at take-over; commits never go below it. */
  floor: Record<string, number>;
  /** Offsets of answered pushes without outputs, not committed yet (commitIntervalMs). */
  pendingCovered: Record<string, number> | null;
  commitTimer: NodeJS.Timeout | null;
  /** Set once the partition left this member (revoked, fenced): its results are no longer committed. */
  gone: boolean;
  /**
   * Shard time its latest checkpoint took, which paces its shard's checkpoints; null until the
   * first one is answered (none is asked for meanwhile: a partition not restored from a checkpoint
   * gets one from its shard with its first records, and its cost is what sets the pace).
   */
  checkpointMs: number | null;
}

export class IngestConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly offsets: StableOffsetReader;
  private readonly reader: CheckpointReader;
  private readonly roles: Map<string, TopicRole>;
  private readonly maxInFlight: number;
  /** Per shard: fetch rounds handed over and not yet committed-or-failed. */
  private readonly inFlight: number[];
  private readonly paused: boolean[];
  /** Per shard: the chain that handles answers in order. */
  private readonly chains: Promise<void>[];
  /** Highest offset handed to a shard, per topic-partition (for dropping re-deliveries). */
  private readonly dispatched = new Map<string, number>();
  /** topic → partitions currently assigned. */
  private assignment: Record<string, number[]> = {};
  private assignedPartitions = new Set<number>();
  private readonly owned = new Map<number, Owned>();
  /** Partition indexes being taken over, and the promise eachBatch waits on meanwhile. */
  private readonly recovering = new Set<number>();
  private recovery: Promise<void> = Promise.resolve();
  /** Per partition index: batches of the current fetch round not handed to the shard yet. */
  private readonly staged = new Map<number, { buffers: ArrayBuffer[]; records: Map<TopicRole, number> }>();
  /** Partition indexes whose live start gate has not been ticked yet. */
  private readonly liveGated = new Set<number>();
  /** Partition index → the source topic whose partition is paused by fetch alignment (src/shards/fetch-alignment.ts). */
  private readonly heldBack = new Map<number, string>();
  /** Records left to fetch per topic-partition after its latest batch (kafkajs' offsetLag). */
  private readonly lagOf = new Map<string, number>();
  private readonly tickTimers = new Set<NodeJS.Timeout>();
  private joinedOnce = false;
  private joinWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: Readonly<DriftwatchConfig>,
    private readonly pool: ShardPool,
    private readonly encodeAlert: AlertEncoder,
    private readonly handlers: IngestHandlers,
    private readonly logger: Logger,
  ) {
    this.roles = sourceTopics(config);
    this.admin = kafka.admin();
    this.offsets = new StableOffsetReader(kafka, logger.child({ component: 'offset-reader' }));
    this.reader = new CheckpointReader(kafka, config, logger.child({ component: 'checkpoint-reader' }));
    this.maxInFlight = Math.max(1, config.maxInFlightBatchesPerShard);
    this.inFlight = new Array<number>(pool.size).fill(0);
    this.paused = new Array<boolean>(pool.size).fill(false);
    this.chains = Array.from({ length: pool.size }, () => Promise.resolve());
    this.consumer = kafka.consumer({
      groupId: config.kafka.groupId,
      maxWaitTimeInMs: config.kafka.fetchMaxWaitMs,
      sessionTimeout: config.kafka.sessionTimeoutMs,
      // kafkajs' default ratio (3 s of 30 s) kept for other session timeouts.
      heartbeatInterval: Math.max(500, Math.floor(config.kafka.sessionTimeoutMs / 10)),
      partitionAssigners: [createCoPartitionAssigner(logger)],
      allowAutoTopicCreation: false,
      // The default; stated because exactly-once depends on it: records of upstream transactions
      // that were aborted are never read.
      readUncommitted: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberAssignment));
    // kafkajs fetches, processes every batch of the response, then fetches again: the start of the
    // next fetch is the end of a round.
    this.consumer.on(this.consumer.events.FETCH_START, () => this.flushStaged());
    this.pool.on('crash', (shard: number) => this.onShardCrash(shard));
  }

  get joined(): boolean {
    return this.joinedOnce;
  }

  /** Resolves once the member has joined the group for the first time. */
  waitJoined(): Promise<void> {
    if (this.joinedOnce) return Promise.resolve();
    return new Promise((resolve) => this.joinWaiters.push(resolve));
  }

  /** Resolves once the partitions taken over so far are restored (or started empty). */
  async waitRecovered(): Promise<void> {
    for (;;) {
      const current = this.recovery;
      await current;
      if (current === this.recovery) return;
    }
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.offsets.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.roles.keys()], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * Stops fetching, waits until every handed-over batch is answered and committed, then checkpoints
   * every owned partition (so a restart resumes right here). The member stays in the group
   * meanwhile; disconnect() leaves afterwards.
   */
  async stopFetching(): Promise<void> {
    if (this.stopped) return;
    // From here on eachBatch hands nothing over (the flag is checked right before each hand-over).
    this.stopped = true;
    for (const t of this.tickTimers) clearTimeout(t);
    this.tickTimers.clear();
    this.consumer.pause([...this.roles.keys()].map((topic) => ({ topic })));
    this.flushStaged();
    await this.waitRecovered().catch(() => undefined);
    await this.drain();
    const partitions = [...this.owned.keys()].filter((p) => !this.owned.get(p)!.gone);
    for (let shard = 0; shard < this.pool.size; shard++) {
      const mine = partitions.filter((p) => this.pool.shardOf(p) === shard);
      if (mine.length > 0) this.checkpointNow(shard, mine, 'shutdown');
    }
    await this.drain();
  }

  /** Waits for the per-shard chains, including links added while waiting. */
  async drain(): Promise<void> {
    for (;;) {
      const chains = [...this.chains];
      await Promise.all(chains);
      if (chains.every((c, i) => c === this.chains[i])) break;
    }
  }

  async disconnect(): Promise<void> {
    for (const owned of this.owned.values()) if (owned.commitTimer) clearTimeout(owned.commitTimer);
    await this.consumer.stop();
    await this.consumer.disconnect();
    await Promise.all([...this.owned.values()].map((o) => o.tx.close()));
    this.owned.clear();
    await Promise.all([this.admin.disconnect(), this.offsets.disconnect()]);
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || this.stopped) return;
    const { topic, partition } = batch;
    const role = this.roles.get(topic);
    if (role === undefined || batch.messages.length === 0) return;
    // A partition being taken over: wait; the take-over seeks it, which makes this batch stale.
    if (this.recovering.has(partition)) await this.waitRecovered().catch(() => undefined);
    if (!isRunning() || isStale() || this.stopped || !this.owned.has(partition)) return;
    const key = tpKey(topic, partition);
    const last = this.dispatched.get(key) ?? -1;
    const messages = batch.messages.filter((m) => Number(m.offset) > last);
    const lag = Number(batch.offsetLag());
    this.lagOf.set(key, lag);
    this.handlers.onLag?.(topic, partition, lag);
    if (messages.length > 0) {
      this.dispatched.set(key, Number(messages[messages.length - 1]!.offset));
      // Staged, not handed over yet: the batches of one fetch round are handed to the shard
      // together when the round is over (FETCH_START of the next one), see flushStaged().
      let staged = this.staged.get(partition);
      if (staged === undefined) {
        staged = { buffers: [], records: new Map() };
        this.staged.set(partition, staged);
      }
      staged.buffers.push(encodeBatch(role, topic, partition, messages));
      staged.records.set(role, (staged.records.get(role) ?? 0) + messages.length);
    }
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  /**
   * Hands every staged batch to its shard: per partition index, the batches of the fetch round just
   * processed go in one request, so the pipeline takes the round's inputs, outputs and feedback in
   * one push (its watermark then sees all three before it releases anything), as a replay does.
   */
  private flushStaged(): void {
    if (this.staged.size === 0) return;
    const staged = [...this.staged].sort((a, b) => a[0] - b[0]);
    this.staged.clear();
    const shards = new Set<number>();
    for (const [partition, { buffers, records }] of staged) {
      const owned = this.owned.get(partition);
      if (owned === undefined || owned.gone || this.recovering.has(partition)) continue;
      const shard = this.pool.shardOf(partition);
      const handedOver = performance.now();
      // The first checkpoint after a take-over is the shard's to add (shard-worker.ts, `checkpointed`).
      const checkpoint = owned.checkpointMs !== null && Date.now() - owned.tx.lastCheckpointAt >= this.checkpointIntervalMs(shard);
      if (checkpoint) owned.tx.lastCheckpointAt = Date.now();
      const result = this.pool.send(shard, { type: 'push', buffers, checkpoint }, buffers);
      void result.then(
        (answer) => {
          this.handlers.onBatchDone?.(shard, records, (performance.now() - handedOver) / 1000);
          this.align(answer);
        },
        () => undefined,
      );
      this.chains[shard] = this.chains[shard]!.then(() => this.settle(shard, result, 'batch'));
      shards.add(shard);
      if (this.liveGated.delete(partition)) this.scheduleTick(shard);
    }
    for (const shard of shards) {
      this.inFlight[shard]!++;
      this.handlers.onInFlight?.(shard, this.inFlight[shard]!);
      // The chain handles the shard's answers in order and settle() never rejects: the round is
      // done when the link of its last push is.
      void this.chains[shard]!.then(() => this.roundDone(shard));
      if (this.inFlight[shard]! >= this.maxInFlight) this.setPaused(shard, true);
    }
  }

  /**
   * Time between two checkpoints of each partition of `shard`. A checkpoint is a partition's whole
   * state, so its cost grows with the series it tracks (about 0.33 ms of shard time per series,
   * docs/operations.md): at 13,000 series, checkpoints every 10 s took ~40% of a shard. The
   * configured interval is therefore a minimum, stretched so that the shard's partitions, at their
   * latest measured cost, spend at most `checkpoint.maxShardShare` of its time on checkpoints. A
   * longer interval costs only a longer re-read after a take-over (from checkpoint to committed offsets).
   */
  private checkpointIntervalMs(shard: number): number {
    let costMs = 0;
    for (const [partition, owned] of this.owned) if (this.pool.shardOf(partition) === shard) costMs += owned.checkpointMs ?? 0;
    return Math.max(this.config.checkpoint.intervalMs, costMs / this.config.checkpoint.maxShardShare);
  }

  /**
   * Fetch alignment (src/shards/fetch-alignment.ts): pauses the topic-partition a push's answer says
   * to hold back, and resumes the one it no longer holds back. Answers arrive in push order.
   */
  private align(answer: ShardResult): void {
    for (const part of answer.parts) {
      if (part.merge === undefined) continue;
      this.handlers.onMergeBuffered?.(part.partition, part.merge.buffered);
      this.holdBack(part.partition, this.toHoldBack(part.partition, part.merge.holdBack), false);
    }
  }

  /**
   * The topic to hold back for a shard's advice: only while the stream the merge waits for has
   * records left to fetch. When it has none (its producer paused or stopped), holding the other
   * back would stop the consumption of a healthy topic (and its data-quality checks) on account of
   * a silent one: the merge then buffers, as it would without alignment.
   */
  private toHoldBack(partition: number, role: TopicRole | null): string | null {
    const owned = this.owned.get(partition);
    if (role === null || owned === undefined || owned.gone || this.recovering.has(partition)) return null;
    // Only inputs or outputs are ever held back, never feedback (fetch-alignment.ts).
    const waitedFor = this.config.kafka.topics[role === 'inputs' ? 'outputs' : 'inputs'];
    return (this.lagOf.get(tpKey(waitedFor, partition)) ?? 0) > 0 ? this.config.kafka.topics[role] : null;
  }

  /**
   * Holds `topic`'s partition p back (null: none). A hold that ends is resumed unless its shard is
   * paused (the shard's resume covers it then); with `always`, resumed in any case: kafkajs keeps a
   * pause across rebalances, so a partition that leaves must not stay paused for its next
   * assignment. Nothing is resumed once the consumer stops fetching.
   */
  private holdBack(partition: number, topic: string | null, always: boolean): void {
    const current = this.heldBack.get(partition) ?? null;
    if (current === topic) return;
    if (current !== null) {
      this.heldBack.delete(partition);
      if (!this.stopped && (always || !this.paused[this.pool.shardOf(partition)])) this.consumer.resume([{ topic: current, partitions: [partition] }]);
    }
    if (topic !== null && (this.assignment[topic] ?? []).includes(partition)) {
      this.heldBack.set(partition, topic);
      this.consumer.pause([{ topic, partitions: [partition] }]);
    }
    this.logger.debug({ partition, heldBack: topic, released: current }, 'fetch alignment');
  }

  private roundDone(shard: number): void {
    this.inFlight[shard]!--;
    this.handlers.onInFlight?.(shard, this.inFlight[shard]!);
    if (this.paused[shard] && this.inFlight[shard]! <= Math.floor(this.maxInFlight / 2)) this.setPaused(shard, false);
  }

  /** Commits each partition's part of a shard answer, in order. Never rejects. */
  private async settle(shard: number, pending: Promise<ShardResult>, what: string): Promise<void> {
    let result: ShardResult;
    try {
      result = await pending;
    } catch (e) {
      // A crashed shard is handled by onShardCrash (its partitions are taken over again).
      const code = (e as { code?: unknown }).code;
      if (code !== 'DRIFTWATCH_SHARD_CRASHED') this.logger.error({ code: 'DRIFTWATCH_BATCH_FAILED', err: e, shard }, `a shard request (${what}) failed`);
      return;
    }
    for (const part of result.parts) await this.commitPart(part);
  }

  private async commitPart(part: PartitionResult): Promise<void> {
    const owned = this.owned.get(part.partition);
    if (owned === undefined || owned.gone) return; // not ours any more: the new owner recomputes these outputs
    if (Object.keys(part.covered).length === 0) return; // nothing taken in yet (start gate)
    const covered = { ...part.covered };
    for (const [topic, floor] of Object.entries(owned.floor)) if ((covered[topic] ?? 0) < floor) covered[topic] = floor;
    const hasOutputs = part.alerts.length > 0 || part.dlq.length > 0 || part.retrain.length > 0;
    if (!hasOutputs && part.checkpoint === undefined && Date.now() - owned.tx.lastCommitAt < this.config.kafka.commitIntervalMs) {
      // Nothing to publish: commit these offsets with a later transaction, or when the timer fires.
      owned.pendingCovered = covered;
      owned.commitTimer ??= setTimeout(() => this.commitPending(part.partition), this.config.kafka.commitIntervalMs);
      // Its counters count now (it has nothing else to report): dropping them undercounted
      // consumed events, and the demo, which paces itself on them, stalled.
      this.handlers.onCommitted?.(part);
      return;
    }
    owned.pendingCovered = null;
    try {
      await owned.tx.commit({
        alerts: part.alerts,
        dlq: part.dlq,
        retrain: part.retrain,
        covered,
        ...(part.checkpoint ? { checkpoint: new Uint8Array(part.checkpoint.bytes) } : {}),
      });
      if (part.checkpoint) {
        owned.checkpointMs = part.checkpoint.ms;
        const shard = this.pool.shardOf(part.partition);
        this.handlers.onCheckpoint?.(part.partition, { bytes: part.checkpoint.bytes.byteLength, ms: part.checkpoint.ms, shard, intervalMs: this.checkpointIntervalMs(shard) });
      }
      this.handlers.onCommitted?.(part);
    } catch (e) {
      this.partitionLost(part.partition, e);
    }
  }

  /** The commit timer: pending offsets go through the shard's chain, behind any answer queued before. */
  private commitPending(partition: number): void {
    const owned = this.owned.get(partition);
    if (owned === undefined) return;
    owned.commitTimer = null;
    const shard = this.pool.shardOf(partition);
    this.chains[shard] = this.chains[shard]!.then(async () => {
      const covered = owned.pendingCovered;
      if (covered === null || owned.gone) return;
      owned.pendingCovered = null;
      try {
        await owned.tx.commit({ alerts: [], dlq: [], retrain: [], covered });
      } catch (e) {
        this.partitionLost(partition, e);
      }
    });
  }

  /** A partition's transaction could not be committed because the partition is not ours any more. */
  private partitionLost(partition: number, e: unknown): void {
    const owned = this.owned.get(partition);
    if (owned === undefined || owned.gone) return;
    owned.gone = true;
    this.logger.warn({ partition, code: (e as { code?: unknown }).code }, 'partition lost to another owner; its state is dropped');
    void this.pool.send(this.pool.shardOf(partition), { type: 'drop', partitions: [partition] }).catch(() => undefined);
    // Still assigned to us by the group (we were fenced by a member that has let it go since, or a
    // zombie of ourselves): take it over again, from its checkpoint.
    if (this.assignedPartitions.has(partition) && !this.stopped && (e as { code?: unknown }).code === 'DRIFTWATCH_PARTITION_FENCED') {
      this.takeOver([partition]);
    }
  }

  /** Asks the shard for checkpoints of these partitions and commits them (revocation, shutdown). */
  private checkpointNow(shard: number, partitions: number[], why: string): void {
    const answer = this.pool.send(shard, { type: 'checkpoint', partitions });
    this.chains[shard] = this.chains[shard]!.then(() => this.settle(shard, answer, `checkpoint at ${why}`));
  }

  /**
   * A live start gate opens at the first push after its wait time, or at this tick: without it, a
   * partition whose other streams stay silent would keep its first records until more arrive.
   */
  private scheduleTick(shard: number): void {
    const timer = setTimeout(() => {
      this.tickTimers.delete(timer);
      if (this.stopped) return;
      const answer = this.pool.send(shard, { type: 'tick' });
      this.chains[shard] = this.chains[shard]!.then(() => this.settle(shard, answer, 'opening start gates'));
    }, LIVE_START_GATE_MS + 50);
    this.tickTimers.add(timer);
  }

  private setPaused(shard: number, paused: boolean): void {
    if (this.paused[shard] === paused) return;
    if (!paused && this.stopped) return; // shutting down: everything stays paused
    this.paused[shard] = paused;
    const topics = Object.entries(this.assignment)
      .map(([topic, partitions]) => ({
        topic,
        // A resume leaves the partitions that fetch alignment holds back paused.
        partitions: partitions.filter((p) => this.pool.shardOf(p) === shard && (paused || this.heldBack.get(p) !== topic)),
      }))
      .filter((t) => t.partitions.length > 0);
    if (paused) this.consumer.pause(topics);
    else this.consumer.resume(topics);
    this.logger.debug({ shard, paused, inFlight: this.inFlight[shard] }, paused ? 'shard saturated: its partitions are paused' : 'shard drained: its partitions resume');
    this.handlers.onPaused?.(shard, paused);
  }

  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    // Batches of the previous generation go first, ahead of any revoke below.
    this.flushStaged();
    const next = new Set<number>();
    for (const partitions of Object.values(memberAssignment)) for (const p of partitions) next.add(p);
    const lost = [...this.owned.keys()].filter((p) => !next.has(p));
    this.assignment = Object.fromEntries(Object.entries(memberAssignment).map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]));
    this.assignedPartitions = next;
    // Partitions kept from the previous generation keep their state; the others are taken over.
    const added = [...next].filter((p) => !this.owned.has(p) || this.owned.get(p)!.gone).sort((a, b) => a - b);
    this.logger.info({ assignment: this.assignment, revoked: lost }, 'joined the consumer group');
    for (const p of lost) this.release(p);
    if (added.length > 0) this.takeOver(added);
    // Pauses belong to the previous assignment; re-apply them to the new one.
    for (let shard = 0; shard < this.pool.size; shard++) {
      if (this.paused[shard]) {
        this.paused[shard] = false;
        this.setPaused(shard, true);
      }
    }
    this.handlers.onAssigned?.([...next].sort((a, b) => a - b));
    if (!this.joinedOnce) {
      this.joinedOnce = true;
      for (const w of this.joinWaiters.splice(0)) w();
    }
  }

  /**
   * A revoked partition: the answers already queued for it are still committed (one attempt each: a
   * new owner that initialised its transactional id meanwhile fences them, which is just as right),
   * then a last checkpoint, then its state is dropped and its producer closed.
   */
  private release(partition: number): void {
    const owned = this.owned.get(partition)!;
    this.liveGated.delete(partition);
    this.holdBack(partition, null, true);
    this.staged.delete(partition);
    deletePartitionKeys(this.dispatched, partition);
    deletePartitionKeys(this.lagOf, partition);
    const shard = this.pool.shardOf(partition);
    if (!owned.gone) this.checkpointNow(shard, [partition], 'revocation');
    this.chains[shard] = this.chains[shard]!.then(async () => {
      owned.gone = true;
      if (owned.commitTimer) clearTimeout(owned.commitTimer);
      if (this.owned.get(partition) === owned) this.owned.delete(partition);
      await this.pool.send(shard, { type: 'drop', partitions: [partition] }).catch(() => undefined);
      await owned.tx.close();
    });
  }

  /** Takes partitions over (see partition-recovery.ts); eachBatch holds their batches meanwhile. */
  private takeOver(partitions: number[]): void {
    for (const p of partitions) {
      this.recovering.add(p);
      this.staged.delete(p);
      // Its state starts again (checkpoint or empty): so does its alignment.
      this.holdBack(p, null, false);
    }
    const shards = [...new Set(partitions.map((p) => this.pool.shardOf(p)))];
    const previous = this.recovery;
    const run = async (): Promise<void> => {
      await previous.catch(() => undefined);
      // Answers queued before must be committed first: the committed offsets read next must include them.
      await Promise.all(shards.map((s) => this.chains[s]));
      const mine = partitions.filter((p) => this.assignedPartitions.has(p));
      const started = Date.now();
      const recovered = await recoverPartitions(
        {
          kafka: this.kafka,
          admin: this.admin,
          offsets: this.offsets,
          config: this.config,
          pool: this.pool,
          reader: this.reader,
          logger: this.logger,
          encodeAlert: this.encodeAlert,
          sourceTopics: [...this.roles.keys()],
          owns: (p) => this.assignedPartitions.has(p) && !this.stopped,
        },
        mine,
      );
      for (const r of recovered) this.adopt(r);
      this.announceGates(recovered.filter((r) => !r.restored && this.owned.get(r.partition)?.tx === r.tx));
      this.handlers.onRecovered?.(mine, recovered.filter((r) => r.restored).length, Date.now() - started);
    };
    this.recovery = run()
      .catch((e: unknown) => {
        // E.g. the shard crashed while restoring: try again (the crash handler may have already).
        const unowned = (p: number): boolean => this.assignedPartitions.has(p) && (this.owned.get(p)?.gone ?? true);
        const again = partitions.filter(unowned);
        this.logger.error({ err: e, partitions, retrying: again }, 'taking partitions over failed');
        if (again.length > 0 && !this.stopped) setTimeout(() => this.takeOver(again.filter((p) => unowned(p) && !this.recovering.has(p))), 1000);
      })
      .finally(() => {
        for (const p of partitions) this.recovering.delete(p);
      });
  }

  private adopt(r: RecoveredPartition): void {
    if (!this.assignedPartitions.has(r.partition)) {
      // Revoked while it was being taken over: nothing of it was processed here.
      void r.tx.close();
      void this.pool.send(this.pool.shardOf(r.partition), { type: 'drop', partitions: [r.partition] }).catch(() => undefined);
      return;
    }
    const previous = this.owned.get(r.partition);
    if (previous?.commitTimer) clearTimeout(previous.commitTimer);
    void previous?.tx.close();
    this.owned.set(r.partition, { tx: r.tx, floor: r.committed, pendingCovered: null, commitTimer: null, gone: false, checkpointMs: r.restoreMs });
    for (const [topic, offset] of Object.entries(r.resume)) {
      if (!(this.assignment[topic] ?? []).includes(r.partition)) continue;
      this.dispatched.set(tpKey(topic, r.partition), offset - 1);
      this.consumer.seek({ topic, partition: r.partition, offset: String(offset) });
    }
  }

  /**
   * Start gates for partitions that start with empty state: the worker holds a partition's records
   * until every stream with records waiting has delivered its first batch; on live traffic only, it
   * waits (briefly) for every stream assigned to us.
   */
  private announceGates(fresh: readonly RecoveredPartition[]): void {
    for (let shard = 0; shard < this.pool.size; shard++) {
      const mine: AssignedPartition[] = fresh
        .filter((r) => this.pool.shardOf(r.partition) === shard)
        .map((r) => {
          const roles = (topics: readonly string[]): TopicRole[] => topics.flatMap((t) => (this.roles.has(t) ? [this.roles.get(t)!] : []));
          if (r.backlog.length > 0) return { partition: r.partition, waitFor: roles(r.backlog) };
          this.liveGated.add(r.partition);
          const all = Object.entries(this.assignment).filter(([, ps]) => ps.includes(r.partition)).map(([t]) => t);
          return { partition: r.partition, waitFor: roles(all), maxWaitMs: LIVE_START_GATE_MS };
        });
      if (mine.length === 0) continue;
      const answer = this.pool.send(shard, { type: 'assign', partitions: mine });
      this.chains[shard] = this.chains[shard]!.then(() => answer.then(() => undefined, () => undefined));
    }
  }

  /** A restarted shard has empty state: its partitions are taken over again from their checkpoints. */
  private onShardCrash(shard: number): void {
    const partitions = [...this.assignedPartitions].filter((p) => this.pool.shardOf(p) === shard);
    for (const p of partitions) {
      this.staged.delete(p);
      const owned = this.owned.get(p);
      if (owned !== undefined) owned.gone = true;
    }
    if (partitions.length > 0 && !this.stopped) this.takeOver(partitions);
  }
}
