import type { Message } from 'kafkajs';
import { DriftwatchError } from '../../detectors/errors';
import type { RetrainTrigger } from '../alerts/alert-types';

/** Header carrying the job id (= incident id), for tools that look at outbox records without parsing them. */
export const OUTBOX_JOB_ID_HEADER = 'driftwatch-job-id';

/**
 * The outbox record of a retraining trigger (docs/retraining.md, "The outbox"). The service sends
 * it to `kafka.topics.retrainOutbox` in the SAME transaction as the alert that caused it, so a
 * trigger exists in the topic (for `read_committed` readers) iff its alert was committed; the
 * relay (retrain-outbox-relay.ts) turns it into the BullMQ job afterwards.
 * Key = incident id (= BullMQ job id): records of one incident share a key.
 */
export function outboxMessage(trigger: RetrainTrigger): Message {
  return {
    key: trigger.job_id,
    value: JSON.stringify(trigger),
    headers: { [OUTBOX_JOB_ID_HEADER]: trigger.job_id },
  };
}

/**
 * Parses the value of an outbox record back into the trigger.
 *
 * @throws DriftwatchError `DRIFTWATCH_RETRAIN_OUTBOX_INVALID` for anything {@link outboxMessage}
 * cannot have written (not JSON, not an object, a field missing or of the wrong type).
 */
export function parseOutboxMessage(value: Buffer | null): RetrainTrigger {
  if (value === null) throw invalid('the record has no value (a tombstone)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (e) {
    throw invalid(`the value is not JSON (${(e as Error).message})`);
  }
  if (!isObject(parsed)) throw invalid('the value is not a JSON object');
  for (const field of ['job_id', 'model_id', 'model_version'] as const) {
    if (typeof parsed[field] !== 'string' || parsed[field] === '') throw invalid(`"${field}" is not a non-empty string`);
  }
  if (!Array.isArray(parsed.alerts) || !parsed.alerts.every(isObject)) throw invalid('"alerts" is not an array of objects');
  const range = parsed.data_range;
  if (!isObject(range) || typeof range.start !== 'number' || typeof range.end !== 'number' || !Array.isArray(range.sources) || !range.sources.every(isObject)) {
    throw invalid('"data_range" is not { start: number, end: number, sources: [...] }');
  }
  return parsed as unknown as RetrainTrigger;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function invalid(why: string): DriftwatchError {
  return new DriftwatchError('DRIFTWATCH_RETRAIN_OUTBOX_INVALID', `retrain outbox record is not a trigger: ${why}`);
}
