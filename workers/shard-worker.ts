/**
 * A shard worker thread: owns the PartitionPipelines of the partition indexes p with p mod N = its
 * shard number, for as long as the process runs (state lives here, so the pool is fixed, not elastic).
 * Receives batches as transferred ArrayBuffers (src/shards/batch-codec.ts), decodes them into
 * SourceRecords without copying, pushes them into the pipeline of their partition index and answers
 * with what came out, per partition. Messages are handled one at a time, in order
 * (src/shards/shard-protocol.ts).
 *
 * Checkpoints: a partition's state is snapshotted (JSON, gzip'd here so the main thread only moves
 * bytes) when the main thread asks, and restored from such a snapshot on assignment. After a restore
 * the main thread re-reads the records between the checkpoint and the group's committed offsets:
 * their outputs were committed already, so they are pushed with their outputs dropped ("suppressed").
 * The pipeline is deterministic per record sequence and indifferent to push boundaries, so this
 * rebuilds exactly the state an uninterrupted run had at the committed offsets.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import { DriftwatchError } from '../detectors/errors';
import { accumulateCounters, emptyCounters, PartitionPipeline, type PipelineOutput } from '../src/engine/partition-pipeline';
import { createRecordDecoder } from '../src/ingest/record-decoder';
import type { SourceRecord, TopicRole } from '../src/pipeline/records';
import { decodeBatch, type DecodedBatch } from '../src/shards/batch-codec';
import { FetchAlignment } from '../src/shards/fetch-alignment';
import {
  emptyResult,
  type PartitionResult,
  type RestoreRequest,
  type ShardRequest,
  type ShardResponse,
  type ShardResult,
  type ShardWorkerData,
} from '../src/shards/shard-protocol';

const data = workerData as ShardWorkerData;
const port = parentPort;
if (port === null) throw new Error('shard-worker.ts must run as a worker thread');

const decode = createRecordDecoder(data.config);

/**
 * Start gate. The pipeline's watermark is the minimum over the streams that have delivered at least
 * one event, so what it releases before a stream's FIRST event depends on whether that stream's
 * first batch arrived yet — i.e. on fetch timing. To make a live run give what a replay of the same
 * records gives, a newly assigned partition's records are held until every stream that had records
 * waiting at assignment has delivered its first batch, and are then pushed in one call (the
 * pipeline adds a whole push before releasing). When no stream had records waiting (a partition
 * that starts on live traffic), the gate waits for every configured stream, but at most `maxWaitMs`
 * of wall-clock time (checked at each push), so a topic that stays silent delays the start only
 * that long. Bounded in memory as well: past GATE_MAX_RECORDS held records the gate opens anyway.
 * A partition restored from a checkpoint has a running pipeline and needs no gate.
 */
const GATE_MAX_RECORDS = 200_000;

interface StartGate {
  waiting: Set<TopicRole>;
  held: SourceRecord[][];
  count: number;
  maxWaitMs: number | undefined;
  /** Wall-clock time after which the next push opens the gate (set at the first held record). */
  deadline: number | null;
}

interface PartitionSlot {
  pipeline: PartitionPipeline | null;
  gate: StartGate | null;
  /** Source topic → next offset of the records taken into the pipeline. */
  covered: Record<string, number>;
  /** Source topic → records below this offset have committed outputs: pushed with outputs dropped. */
  suppressBelow: Map<string, number>;
  /**
   * Whether the main thread holds a checkpoint of this state (restored from one, or one answered
   * since). Until then every answer that covers records carries one: the offsets committed with it
   * must always point to a checkpoint, and asking here rather than on the main thread means one
   * checkpoint per take-over instead of one per push handed over before the first commit.
   */
  checkpointed: boolean;
  /** Which of its topics the consumer should hold back (src/shards/fetch-alignment.ts). */
  alignment: FetchAlignment;
}

const slots = new Map<number, PartitionSlot>();

function slotOf(partition: number): PartitionSlot {
  let slot = slots.get(partition);
  if (slot === undefined) {
    slot = { pipeline: null, gate: null, covered: {}, suppressBelow: new Map(), checkpointed: false, alignment: new FetchAlignment() };
    slots.set(partition, slot);
  }
  return slot;
}

/** The per-partition part of the answer being built. */
function partOf(result: ShardResult, partition: number): PartitionResult {
  let part = result.parts.find((p) => p.partition === partition);
  if (part === undefined) {
    part = { partition, alerts: [], dlq: [], retrain: [], counters: emptyCounters(), covered: {} };
    result.parts.push(part);
  }
  return part;
}

function addOutput(part: PartitionResult, output: PipelineOutput): void {
  part.alerts.push(...output.alerts);
  part.dlq.push(...output.dlq);
  part.retrain.push(...output.retrain);
  accumulateCounters(part.counters, output.counters);
}

/** Takes records into the partition's pipeline (creating it on first use) and records what it covers. */
function pushInto(result: ShardResult, partition: number, records: SourceRecord[], suppressed: boolean): void {
  const slot = slotOf(partition);
  slot.pipeline ??= new PartitionPipeline(data.config, decode);
  const output = slot.pipeline.push(records);
  for (const r of records) if (r.offset + 1 > (slot.covered[r.topic] ?? 0)) slot.covered[r.topic] = r.offset + 1;
  const part = partOf(result, partition);
  if (!suppressed) addOutput(part, output);
  part.covered = { ...slot.covered };
  const { buffered, lagging } = slot.pipeline.mergeBacklog();
  part.merge = { buffered, holdBack: slot.alignment.update(buffered, lagging) };
}

/**
 * Pushes one fetch round of a partition: records whose outputs are already committed (after a
 * restore) first, with their outputs dropped, then the rest; both keep each topic's order.
 */
function pushRound(result: ShardResult, partition: number, batches: DecodedBatch[]): void {
  const slot = slotOf(partition);
  let records = batches.length === 1 ? batches[0]!.records : batches.flatMap((b) => b.records);
  if (slot.suppressBelow.size > 0) {
    const replayed = records.filter((r) => r.offset < (slot.suppressBelow.get(r.topic) ?? -1));
    if (replayed.length > 0) {
      records = records.filter((r) => r.offset >= (slot.suppressBelow.get(r.topic) ?? -1));
      pushInto(result, partition, replayed, true);
    }
    for (const [topic, below] of [...slot.suppressBelow]) if ((slot.covered[topic] ?? 0) >= below) slot.suppressBelow.delete(topic);
  }
  if (records.length === 0) {
    partOf(result, partition).covered = { ...slot.covered };
    return;
  }
  pushThroughGate(result, partition, batches.map((b) => b.role), records);
}

function pushThroughGate(result: ShardResult, partition: number, roles: Iterable<TopicRole>, records: SourceRecord[]): void {
  const gate = slotOf(partition).gate;
  if (gate === null) {
    pushInto(result, partition, records, false);
    return;
  }
  gate.held.push(records);
  gate.count += records.length;
  for (const role of roles) gate.waiting.delete(role);
  const now = Date.now();
  if (gate.deadline === null && gate.maxWaitMs !== undefined) gate.deadline = now + gate.maxWaitMs;
  if (gate.waiting.size === 0 || gate.count >= GATE_MAX_RECORDS || (gate.deadline !== null && now >= gate.deadline)) openGate(result, partition);
  else partOf(result, partition).covered = { ...slotOf(partition).covered };
}

function openGate(result: ShardResult, partition: number): void {
  const slot = slots.get(partition);
  const gate = slot?.gate;
  if (slot === undefined || gate === null || gate === undefined) return;
  slot.gate = null;
  if (gate.count > 0) pushInto(result, partition, gate.held.flat(), false);
}

/** gzip'd JSON of a partition's pipeline and the offsets it covers, as a transferable buffer. */
function snapshotOf(slot: PartitionSlot & { pipeline: PartitionPipeline }): ArrayBuffer {
  // Level 1: about half the time of the default level 6 for ~10% more bytes (measured on 100 and
  // 1,000-series pipelines); the worker's time is what a checkpoint costs the stream.
  const bytes = gzipSync(JSON.stringify({ covered: slot.covered, pipeline: slot.pipeline.snapshot() }), { level: 1 });
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function checkpoint(result: ShardResult, partitions: Iterable<number>): void {
  for (const partition of partitions) {
    const slot = slots.get(partition);
    // Nothing taken in yet (no pipeline, or every record still held by the start gate): nothing to save.
    if (slot?.pipeline == null) continue;
    const part = partOf(result, partition);
    part.covered = { ...slot.covered };
    const started = performance.now();
    const bytes = snapshotOf(slot as PartitionSlot & { pipeline: PartitionPipeline });
    part.checkpoint = { bytes, ms: performance.now() - started };
    slot.checkpointed = true;
  }
}

function restore(result: ShardResult, request: RestoreRequest): void {
  const { partition, snapshot, committed } = request;
  slots.delete(partition);
  const part = partOf(result, partition);
  if (snapshot === null) {
    part.restored = { ok: true, bytes: 0, ms: 0 };
    return;
  }
  const started = performance.now();
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(gunzipSync(new Uint8Array(snapshot)).toString('utf8'));
    } catch (e) {
      throw new DriftwatchError('DRIFTWATCH_CHECKPOINT_INVALID', `checkpoint of partition ${partition} is not gzip'd JSON: ${(e as Error).message}`);
    }
    const { covered, pipeline } = parsed as { covered?: unknown; pipeline?: unknown };
    if (covered === null || typeof covered !== 'object') {
      throw new DriftwatchError('DRIFTWATCH_CHECKPOINT_INVALID', `checkpoint of partition ${partition} has no covered offsets`);
    }
    const slot = slotOf(partition);
    slot.pipeline = PartitionPipeline.restore(data.config, decode, pipeline);
    slot.checkpointed = true;
    slot.covered = { ...(covered as Record<string, number>) };
    for (const [topic, next] of Object.entries(committed)) if (next > (slot.covered[topic] ?? 0)) slot.suppressBelow.set(topic, next);
    part.covered = { ...slot.covered };
    part.restored = { ok: true, bytes: snapshot.byteLength, ms: performance.now() - started };
  } catch (e) {
    slots.delete(partition);
    const error = e as { code?: unknown; message?: unknown };
    part.restored = { ok: false, code: typeof error.code === 'string' ? error.code : 'DRIFTWATCH_CHECKPOINT_INVALID', message: String(error.message ?? e) };
  }
}

function handle(request: ShardRequest): ShardResult {
  const result = emptyResult();
  switch (request.type) {
    case 'push': {
      // The batches of one fetch round go into the pipeline in ONE push: the pipeline adds a whole
      // push before it releases anything, so how kafkajs ordered the topics within the round
      // does not matter.
      const batches = request.buffers.map(decodeBatch).filter((b) => b.records.length > 0);
      if (batches.length === 0) break;
      const partition = batches[0]!.partition;
      pushRound(result, partition, batches);
      if (request.checkpoint) checkpoint(result, [partition]);
      break;
    }
    case 'assign':
      for (const { partition, waitFor, maxWaitMs } of request.partitions) {
        const slot = slotOf(partition);
        // A partition whose pipeline already runs (restored, or kept across a rebalance) needs no gate.
        if (waitFor.length > 0 && slot.pipeline === null && slot.gate === null) {
          slot.gate = { waiting: new Set(waitFor), held: [], count: 0, maxWaitMs, deadline: null };
        }
      }
      break;
    case 'restore':
      restore(result, request.restore);
      break;
    case 'checkpoint':
      checkpoint(result, [...request.partitions].sort((a, b) => a - b));
      break;
    case 'drop':
      for (const p of request.partitions) slots.delete(p);
      break;
    case 'tick': {
      const now = Date.now();
      for (const [partition, slot] of [...slots].sort((a, b) => a[0] - b[0])) {
        if (slot.gate === null || slot.gate.deadline === null || now < slot.gate.deadline) continue;
        openGate(result, partition);
      }
      break;
    }
    case 'crash':
    case 'shutdown':
      break;
  }
  // Whatever request took a partition's first records in (a push, a start gate opened by a tick),
  // its answer carries the checkpoint the offsets committed with it must point to (`checkpointed`).
  for (const part of result.parts) {
    const slot = slots.get(part.partition);
    if (slot !== undefined && slot.pipeline !== null && !slot.checkpointed) checkpoint(result, [part.partition]);
  }
  return result;
}

port.on('message', (request: ShardRequest) => {
  if (request.type === 'crash') {
    setImmediate(() => {
      throw new Error(`shard ${data.shard}: crash injected on request`);
    });
    return;
  }
  const started = performance.now();
  let response: ShardResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    const result = handle(request);
    result.durationMs = performance.now() - started;
    for (const part of result.parts) if (part.checkpoint) transfer.push(part.checkpoint.bytes);
    response = { type: 'result', id: request.id, result };
  } catch (e) {
    const error = e as { code?: unknown; message?: unknown; stack?: unknown };
    response = {
      type: 'failed',
      id: request.id,
      error: {
        code: typeof error.code === 'string' ? error.code : 'DRIFTWATCH_SHARD_FAILED',
        message: String(error.message ?? e),
        ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
      },
    };
  }
  port.postMessage(response, transfer);
  if (request.type === 'shutdown') port.close();
});

port.postMessage({ type: 'ready', shard: data.shard } satisfies ShardResponse);
