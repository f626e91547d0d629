import type { JobsOptions } from 'bullmq';
import type { RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';

/** BullMQ job name of every retraining job (the queue holds nothing else). */
export const RETRAIN_JOB_NAME = 'retrain';

/** The job payload: exactly the trigger (alerts, model, event-time range and Kafka offsets). */
export type RetrainJobData = RetrainTrigger;

/**
 * The BullMQ job id of an incident: the incident id itself. BullMQ refuses ids that contain ':'
 * or that read as an integer ("123"); incident ids are hex hashes, so this only matters for an id
 * made of digits alone, which gets an `incident-` prefix (still a pure function of the id, so
 * deduplication still holds).
 */
export function bullJobId(incidentId: string): string {
  const safe = incidentId.replace(/:/g, '_');
  return `${parseInt(safe, 10)}` === safe || safe === '' ? `incident-${safe}` : safe;
}

/**
 * Options of every retraining job.
 * - `attempts` (`retrain.attempts`): runs of the command/webhook before the job is failed for good.
 * - `backoff`: exponential from `retrain.backoffMs` (default 5 s): 5 s, 10 s, 20 s, …
 * - completed and failed jobs are kept (BullMQ's default): a kept job is what makes a repeated
 *   alert, a replay or a restart hit the same job id instead of creating a second job. They are
 *   few (one per incident, at most one per model per `retrain.minIntervalMs`); trim old ones with
 *   BullMQ's `queue.clean()` if needed.
 */
export function retrainJobOptions(config: Readonly<DriftwatchConfig>): JobsOptions {
  return {
    attempts: config.retrain.attempts,
    backoff: { type: 'exponential', delay: config.retrain.backoffMs },
    removeOnComplete: false,
    removeOnFail: false,
  };
}
