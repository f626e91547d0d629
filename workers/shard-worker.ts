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
      const batch = decodeBatch(request.buffer);
      if (batch.records.length > 0) {
        addOutput(result, pipelineOf(batch.partition).push(batch.records));
        result.processed.push({ topic: batch.topic, partition: batch.partition, offset: batch.records[batch.records.length - 1]!.offset });
      }
      break;
    }
    case 'assign':
      break;
    case 'revoke':
      finishPartitions(result, request.partitions);
      break;
    case 'crash':
      break;
    case 'finish':
    case 'shutdown':
      finishPartitions(result, pipelines.keys());
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
