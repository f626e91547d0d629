/**
 * The consumer loop: one kafkajs consumer group over the inputs, outputs and feedback topics, with
 * the co-partition assigner so that partition p of the three topics lands on this member together.
 *
 * eachBatch only routes: it packs the batch into one transferable buffer and hands it to shard
 * p mod N, resolves the batch's offsets (that moves kafkajs' FETCH position, not the committed
 * offset: autoCommit is off) and returns. The shard's answer is handled on a per-shard chain, in
 * order: produce its alerts and DLQ entries, hand retraining triggers on, and only then commit
 * the batch's offsets (at-least-once: a crash between produce and commit re-reads the batch and
 * re-produces the same deterministic alert ids).
 *
 * Backpressure: each shard has at most `maxInFlightBatchesPerShard` fetch rounds between hand-over
 * and commit (a round hands the shard one push per partition index it owns); at that bound the
 * shard's partitions are paused (consumer.pause) and resumed once it has drained to half the bound,
 * so a slow shard or a slow alert topic grows lag, not memory. Counted in rounds, not pushes: a
 * shard owning 3 partition indexes got 3 pushes per round, so a bound of 4 pushes paused it after
 * every round, and each pause costs a fetch that waits fetchMaxWaitMs with nothing to fetch while
 * the shard ran dry (measured: the shard idle ~25% of the service bench).
 *
 * Re-deliveries: after a rebalance kafkajs fetches a retained partition again from its committed
 * offset; records at or below the highest offset already handed to the shard are dropped here, so a
 * shard never sees a record twice while it keeps the partition's state.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { DriftwatchConfig } from '../config/config-types';
import type { TopicRole } from '../pipeline/records';
import { encodeBatch } from '../shards/batch-codec';
import type { ShardPool } from '../shards/shard-pool';
import type { AssignedPartition, ShardResult } from '../shards/shard-protocol';
import { createCoPartitionAssigner } from './co-partition-assigner';
import { sourceTopics } from './topic-setup';

/** What the consumer tells the service (metrics, publishing). */
export interface IngestHandlers {
  /**
   * Publishes a shard's outputs (alerts, DLQ, retraining triggers). Must resolve only once they are
   * durably produced: the offsets are committed after it. A rejection is logged and the batch's
   * partition is re-read from its last committed position.
   */
  onResult(result: ShardResult, shard: number): Promise<void>;
  /** Consumer lag of a topic-partition, as kafkajs computed it for the last batch. */
  onLag?(topic: string, partition: number, lag: number): void;
  /** The member joined the group with these partition indexes. */
  onAssigned?(partitions: number[]): void;
  onPaused?(shard: number, paused: boolean): void;
  /** A push (one fetch round of a partition index) was answered: records per role, seconds from hand-over. */
  onBatchDone?(shard: number, records: ReadonlyMap<TopicRole, number>, seconds: number): void;
  /** Fetch rounds handed to the shard and not yet committed (or failed). */
  onInFlight?(shard: number, inFlight: number): void;
}

/** How long a partition that starts on live traffic waits for its silent streams (see shard-worker's start gate). */
const LIVE_START_GATE_MS = 5000;

const tpKey = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

export class IngestConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly groupId: string;
  /**
   * Settles once the shards know the start gates of the latest newly assigned partitions; eachBatch
   * waits for it so that the `assign` message reaches a worker before that partition's first batch.
   */
  private assignmentReady: Promise<void> = Promise.resolve();
  private readonly roles: Map<string, TopicRole>;
  private readonly maxInFlight: number;
  /** Per shard: fetch rounds handed over and not yet committed-or-failed. */
  private readonly inFlight: number[];
  private readonly paused: boolean[];
  /** Per shard: the chain that handles answers in order. */
  private readonly chains: Promise<void>[];
  /** Highest offset handed to a shard, per topic-partition (for dropping re-deliveries). */
  private readonly dispatched = new Map<string, number>();
  /** Highest offset whose outputs were produced, per topic-partition (what may be committed). */
  private readonly produced = new Map<string, number>();
  /** First offset seen per topic-partition since it was assigned (where to re-read from after a crash). */
  private readonly firstSeen = new Map<string, number>();
  /** topic → partitions currently assigned. */
  private assignment: Record<string, number[]> = {};
  private assignedPartitions = new Set<number>();
  /** Per partition index: batches of the current fetch round not handed to the shard yet. */
  private readonly staged = new Map<number, { buffers: ArrayBuffer[]; records: Map<TopicRole, number> }>();
  private readonly pendingCommits = new Map<string, { topic: string; partition: number; offset: number }>();
  private committing: Promise<void> | null = null;
  /** Partition indexes whose live start gate has not been ticked yet. */
  private readonly liveGated = new Set<number>();
  private readonly tickTimers = new Set<NodeJS.Timeout>();
  private joinedOnce = false;
  private joinWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    kafka: Kafka,
    config: Readonly<DriftwatchConfig>,
    private readonly pool: ShardPool,
    private readonly handlers: IngestHandlers,
    private readonly logger: Logger,
  ) {
    this.roles = sourceTopics(config);
    this.groupId = config.kafka.groupId;
    this.admin = kafka.admin();
    this.maxInFlight = Math.max(1, config.maxInFlightBatchesPerShard);
    this.inFlight = new Array<number>(pool.size).fill(0);
    this.paused = new Array<boolean>(pool.size).fill(false);
    this.chains = Array.from({ length: pool.size }, () => Promise.resolve());
    this.consumer = kafka.consumer({
      groupId: config.kafka.groupId,
      maxWaitTimeInMs: config.kafka.fetchMaxWaitMs,
      partitionAssigners: [createCoPartitionAssigner(logger)],
      allowAutoTopicCreation: false,
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

  async start(): Promise<void> {
    await this.admin.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.roles.keys()], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * Stops fetching and waits until every handed-over batch is processed, produced and committed.
   * The member stays in the group meanwhile (commits need a live membership: kafkajs' stop() leaves
   * the group), so fetching is stopped by pausing every topic; disconnect() leaves afterwards.
   */
  async stopFetching(): Promise<void> {
    if (this.stopped) return;
    // From here on eachBatch hands nothing over (the flag is checked right before each hand-over).
    this.stopped = true;
    for (const t of this.tickTimers) clearTimeout(t);
    this.tickTimers.clear();
    this.consumer.pause([...this.roles.keys()].map((topic) => ({ topic })));
    this.flushStaged();
    await this.drain();
  }

  /** Waits for the per-shard chains (including links added while waiting) and the commits they queued. */
  async drain(): Promise<void> {
    for (;;) {
      const chains = [...this.chains];
      await Promise.all(chains);
      if (chains.every((c, i) => c === this.chains[i])) break;
    }
    await this.flushCommits();
  }

  async disconnect(): Promise<void> {
    await this.consumer.stop();
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || this.stopped) return;
    const { topic, partition } = batch;
    const role = this.roles.get(topic);
    if (role === undefined || batch.messages.length === 0) return;
    const key = tpKey(topic, partition);
    const last = this.dispatched.get(key) ?? -1;
    const messages = batch.messages.filter((m) => Number(m.offset) > last);
    this.handlers.onLag?.(topic, partition, Number(batch.offsetLag()));
    if (messages.length > 0) {
      await this.assignmentReady;
      if (!isRunning() || isStale() || this.stopped) return;
      if (!this.firstSeen.has(key)) this.firstSeen.set(key, Number(messages[0]!.offset));
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
      const shard = this.pool.shardOf(partition);
      const handedOver = performance.now();
      const result = this.pool.push(partition, buffers);
      void result.then(
        () => this.handlers.onBatchDone?.(shard, records, (performance.now() - handedOver) / 1000),
        () => undefined,
      );
      this.chains[shard] = this.chains[shard]!.then(() => this.settle(shard, partition, result));
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

  private roundDone(shard: number): void {
    this.inFlight[shard]!--;
    this.handlers.onInFlight?.(shard, this.inFlight[shard]!);
    if (this.paused[shard] && this.inFlight[shard]! <= Math.floor(this.maxInFlight / 2)) this.setPaused(shard, false);
  }

  private async settle(shard: number, partition: number, pending: Promise<ShardResult>): Promise<void> {
    try {
      const result = await pending;
      await this.handlers.onResult(result, shard);
      for (const p of result.processed) {
        const key = tpKey(p.topic, p.partition);
        this.produced.set(key, Math.max(this.produced.get(key) ?? -1, p.offset));
        this.queueCommit(p.topic, p.partition, p.offset + 1);
      }
    } catch (e) {
      // A crashed shard is handled by onShardCrash (it seeks all of the shard's partitions back).
      // Anything else (a request that failed inside a worker, a publish interrupted by close) is
      // logged and NOT re-read: the shard's state has already taken these records in, so reading
      // them again would count them twice. Their offsets are committed with the next batch.
      const code = (e as { code?: unknown }).code;
      if (code !== 'DRIFTWATCH_SHARD_CRASHED') {
        this.logger.error({ code: 'DRIFTWATCH_BATCH_FAILED', err: e, partition, shard }, 'handling a shard result failed; the batch is skipped');
      }
    }
  }

  /**
   * A live start gate opens at the first push after its wait time, or at this tick: without it, a
   * partition whose other streams stay silent would keep its first records until more arrive.
   */
  private scheduleTick(shard: number): void {
    const timer = setTimeout(() => {
      this.tickTimers.delete(timer);
      if (this.stopped) return;
      this.chainOutput(shard, this.pool.send(shard, { type: 'tick' }), 'opening start gates');
    }, LIVE_START_GATE_MS + 50);
    this.tickTimers.add(timer);
  }

  /** Produces the outputs of a request that is not a batch (revoke, tick) in the shard's order. */
  private chainOutput(shard: number, answer: Promise<ShardResult>, what: string): void {
    this.chains[shard] = this.chains[shard]!.then(async () => {
      try {
        await this.handlers.onResult(await answer, shard);
      } catch (e) {
        this.logger.error({ err: e, shard }, `${what} failed`);
      }
    });
  }

  private queueCommit(topic: string, partition: number, offset: number): void {
    if (!(this.assignment[topic] ?? []).includes(partition)) return; // revoked meanwhile: the new owner commits
    this.pendingCommits.set(tpKey(topic, partition), { topic, partition, offset });
    if (this.committing === null) this.committing = this.commitLoop();
  }

  /** One commit request at a time; offsets queued meanwhile are merged into the next one. */
  private async commitLoop(): Promise<void> {
    while (this.pendingCommits.size > 0) {
      const batch = [...this.pendingCommits.values()];
      this.pendingCommits.clear();
      try {
        await this.consumer.commitOffsets(batch.map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.offset) })));
      } catch (e) {
        // A rebalance in progress rejects commits; the offsets are committed by the next commit of
        // the partition or re-read by its next owner (at-least-once).
        this.logger.warn({ err: e, offsets: batch }, 'offset commit failed');
      }
    }
    this.committing = null;
  }

  private async flushCommits(): Promise<void> {
    while (this.committing !== null) await this.committing;
  }

  private setPaused(shard: number, paused: boolean): void {
    if (this.paused[shard] === paused) return;
    if (!paused && this.stopped) return; // shutting down: everything stays paused
    this.paused[shard] = paused;
    const topics = Object.entries(this.assignment)
      .map(([topic, partitions]) => ({ topic, partitions: partitions.filter((p) => this.pool.shardOf(p) === shard) }))
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
    const lost = [...this.assignedPartitions].filter((p) => !next.has(p));
    const added = [...next].filter((p) => !this.assignedPartitions.has(p)).sort((a, b) => a - b);
    for (const p of lost) this.liveGated.delete(p);
    this.assignment = Object.fromEntries(Object.entries(memberAssignment).map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]));
    this.assignedPartitions = next;
    for (const key of [...this.dispatched.keys()]) {
      const [partition, topic] = key.split('\u0000') as [string, string];
      if (!(this.assignment[topic] ?? []).includes(Number(partition))) {
        this.dispatched.delete(key);
        this.produced.delete(key);
        this.firstSeen.delete(key);
      }
    }
    this.logger.info({ assignment: this.assignment, revoked: lost }, 'joined the consumer group');
    if (lost.length > 0) {
      // The revoke goes behind the batches already queued on each shard: their pipelines finish
      // after the last record they were given; what that releases is still produced.
      for (const shard of new Set(lost.map((p) => this.pool.shardOf(p)))) {
        const partitions = lost.filter((p) => this.pool.shardOf(p) === shard);
        this.chainOutput(shard, this.pool.send(shard, { type: 'revoke', partitions }), `finishing revoked partitions ${partitions.join(',')}`);
      }
    }
    if (added.length > 0) this.assignmentReady = this.announce(added);
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
   * Tells the shards about newly assigned partition indexes and which of their streams have records
   * waiting (committed offset < high watermark), so that each worker's start gate waits for exactly
   * those streams' first batches. If the offsets cannot be read in time, no gate is set (the
   * partition then starts as its batches arrive).
   */
  private async announce(partitions: number[]): Promise<void> {
    let waiting = new Map<number, TopicRole[]>();
    try {
      waiting = await withTimeout(this.pendingRoles(partitions), 10_000);
    } catch (e) {
      this.logger.warn({ err: e, partitions }, 'could not read the offsets of newly assigned partitions; starting them without a start gate');
    }
    for (let shard = 0; shard < this.pool.size; shard++) {
      const mine: AssignedPartition[] = partitions
        .filter((p) => this.pool.shardOf(p) === shard)
        .map((p) => {
          const backlog = waiting.get(p);
          // With a backlog, wait for the streams that have one; on live traffic only, wait (briefly)
          // for every stream assigned to us.
          if (backlog !== undefined) return { partition: p, waitFor: backlog };
          const all = Object.entries(this.assignment).filter(([, ps]) => ps.includes(p)).flatMap(([t]) => {
              const role = this.roles.get(t);
              return role === undefined ? [] : [role];
            });
          this.liveGated.add(p);
          return { partition: p, waitFor: all, maxWaitMs: LIVE_START_GATE_MS };
        });
      if (mine.length === 0) continue;
      const answer = this.pool.send(shard, { type: 'assign', partitions: mine });
      this.chains[shard] = this.chains[shard]!.then(() => answer.then(() => undefined, () => undefined));
    }
  }

  private async pendingRoles(partitions: readonly number[]): Promise<Map<number, TopicRole[]>> {
    const topics = [...this.roles.keys()];
    const [committed, ends] = await Promise.all([
      this.admin.fetchOffsets({ groupId: this.groupId, topics }),
      Promise.all(topics.map((t) => this.admin.fetchTopicOffsets(t))),
    ]);
    const result = new Map<number, TopicRole[]>();
    topics.forEach((topic, i) => {
      const done = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      for (const end of ends[i]!) {
        if (!partitions.includes(end.partition) || !(this.assignment[topic] ?? []).includes(end.partition)) continue;
        const from = Math.max(Number(end.low), done.get(end.partition) ?? -1);
        if (Number(end.high) > from) result.set(end.partition, [...(result.get(end.partition) ?? []), this.roles.get(topic)!]);
      }
    });
    return result;
  }

  /** A restarted shard has empty state: re-read its partitions from the last produced offsets. */
  private onShardCrash(shard: number): void {
    const partitions = [...this.assignedPartitions].filter((p) => this.pool.shardOf(p) === shard);
    // Staged batches of this shard would arrive a second time after the rewind: drop them.
    for (const p of partitions) this.staged.delete(p);
    if (partitions.length > 0) this.assignmentReady = this.announce(partitions);
    for (const [topic, partitions] of Object.entries(this.assignment)) {
      for (const partition of partitions) if (this.pool.shardOf(partition) === shard) this.rewind(topic, partition);
    }
  }

  private rewind(topic: string, partition: number): void {
    const key = tpKey(topic, partition);
    const from = this.produced.has(key) ? this.produced.get(key)! + 1 : this.firstSeen.get(key);
    if (from === undefined || this.stopped) return;
    this.dispatched.set(key, from - 1);
    try {
      this.consumer.seek({ topic, partition, offset: String(from) });
      this.logger.warn({ topic, partition, offset: from }, 'partition rewound: its records are read again');
    } catch (e) {
      this.logger.error({ err: e, topic, partition }, 'could not rewind the partition');
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
