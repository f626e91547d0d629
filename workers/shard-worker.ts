/**
 * A shard worker thread: owns the PartitionPipelines of the partition indexes p with p mod N = its
 * shard number, for as long as the process runs (state lives here, so the pool is fixed, not elastic).
 * Receives batches as transferred ArrayBuffers (src/shards/batch-codec.ts), decodes them into
 * SourceRecords without copying, pushes them into the pipeline of their partition index and answers
 * with what came out. Messages are handled one at a time, in order (src/shards/shard-protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createRecordDecoder } from '../src/ingest/record-decoder';
import { PartitionPipeline, type PipelineOutput } from '../src/engine/partition-pipeline';
import type { SourceRecord, TopicRole } from '../src/pipeline/records';
import { decodeBatch } from '../src/shards/batch-codec';
import { emptyResult, type ShardRequest, type ShardResponse, type ShardResult, type ShardWorkerData } from '../src/shards/shard-protocol';

const data = workerData as ShardWorkerData;
const port = parentPort;
if (port === null) throw new Error('shard-worker.ts must run as a worker thread');

const decode = createRecordDecoder(data.config);
const pipelines = new Map<number, PartitionPipeline>();

function pipelineOf(partition: number): PartitionPipeline {
  let pipeline = pipelines.get(partition);
  if (pipeline === undefined) {
    pipeline = new PartitionPipeline(data.config, decode);
    pipelines.set(partition, pipeline);
  }
  return pipeline;
}

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

const gates = new Map<number, StartGate>();

function pushThroughGate(result: ShardResult, partition: number, roles: Iterable<TopicRole>, records: SourceRecord[]): void {
  const gate = gates.get(partition);
  if (gate === undefined) {
    addOutput(result, pipelineOf(partition).push(records));
    return;
  }
  gate.held.push(records);
  gate.count += records.length;
  for (const role of roles) gate.waiting.delete(role);
  const now = Date.now();
  if (gate.deadline === null && gate.maxWaitMs !== undefined) gate.deadline = now + gate.maxWaitMs;
  if (gate.waiting.size === 0 || gate.count >= GATE_MAX_RECORDS || (gate.deadline !== null && now >= gate.deadline)) openGate(result, partition);
}

function openGate(result: ShardResult, partition: number): void {
  const gate = gates.get(partition);
  if (gate === undefined) return;
  gates.delete(partition);
  if (gate.count > 0) addOutput(result, pipelineOf(partition).push(gate.held.flat()));
}

function addOutput(result: ShardResult, output: PipelineOutput): void {
  result.alerts.push(...output.alerts);
  result.dlq.push(...output.dlq);
  result.retrain.push(...output.retrain);
  result.counters.consumed += output.counters.consumed;
  result.counters.rejected += output.counters.rejected;
  result.counters.late += output.counters.late;
  result.counters.orphans += output.counters.orphans;
}

function finishPartitions(result: ShardResult, partitions: Iterable<number>): void {
  for (const p of [...partitions].sort((a, b) => a - b)) {
    openGate(result, p);
    const pipeline = pipelines.get(p);
    if (pipeline === undefined) continue;
    addOutput(result, pipeline.finish());
    pipelines.delete(p);
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
      const records = batches.length === 1 ? batches[0]!.records : batches.flatMap((b) => b.records);
      pushThroughGate(result, batches[0]!.partition, batches.map((b) => b.role), records);
      for (const b of batches) result.processed.push({ topic: b.topic, partition: b.partition, offset: b.records[b.records.length - 1]!.offset });
      break;
    }
    case 'assign':
      for (const { partition, waitFor, maxWaitMs } of request.partitions) {
        // A partition whose pipeline already runs (kept across a rebalance) needs no gate.
        if (waitFor.length > 0 && !pipelines.has(partition) && !gates.has(partition)) {
          gates.set(partition, { waiting: new Set(waitFor), held: [], count: 0, maxWaitMs, deadline: null });
        }
      }
      break;
    case 'revoke':
      finishPartitions(result, request.partitions);
      break;
    case 'crash':
      break;
    case 'tick': {
      const now = Date.now();
      for (const [partition, gate] of [...gates].sort((a, b) => a[0] - b[0])) {
        if (gate.deadline !== null && now >= gate.deadline) openGate(result, partition);
      }
      break;
    }
    case 'finish':
    case 'shutdown':
      finishPartitions(result, new Set([...pipelines.keys(), ...gates.keys()]));
      break;
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
  try {
    const result = handle(request);
    result.durationMs = performance.now() - started;
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
  port.postMessage(response);
  if (request.type === 'shutdown') port.close();
});

port.postMessage({ type: 'ready', shard: data.shard } satisfies ShardResponse);
