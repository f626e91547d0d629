import { spawn } from 'node:child_process';
import { DriftwatchError } from '../../detectors/errors';
import type { RetrainJobData } from './retrain-job';

/** What a retraining action receives besides the payload. */
export interface RetrainJobContext {
  /** BullMQ job id (= incident id). */
  jobId: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
}

/** Keep this much of a failing command's output for the error message. */
const OUTPUT_TAIL_BYTES = 4_096;

/**
 * Runs the configured retraining command through `/bin/sh -c`, so a config can say
 * `python retrain.py --fast`. The job payload is written to its stdin as one JSON document, and its
 * environment gets the variables DRIFTWATCH_JOB_ID, DRIFTWATCH_MODEL_ID, DRIFTWATCH_MODEL_VERSION and
 * DRIFTWATCH_ATTEMPT. A non-zero exit (or a signal) rejects with
 * `DRIFTWATCH_RETRAIN_COMMAND_FAILED` carrying the tail of stderr, so BullMQ retries the job.
 * Resolves with the command's stdout tail (stored as the job's return value).
 */
export function runRetrainCommand(command: string, data: RetrainJobData, context: RetrainJobContext, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DRIFTWATCH_JOB_ID: context.jobId,
        DRIFTWATCH_MODEL_ID: data.model_id,
        DRIFTWATCH_MODEL_VERSION: data.model_version,
        DRIFTWATCH_ATTEMPT: String(context.attempt),
      },
      signal,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    });
    // A command that does not read its stdin closes the pipe early: that is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(data));
    child.once('error', (error) => {
      reject(new DriftwatchError('DRIFTWATCH_RETRAIN_COMMAND_FAILED', `retrain command could not be started: ${error.message}`, {
        cause: error, retryable: true, details: { jobId: context.jobId },
      }));
    });
    child.once('close', (code, sig) => {
      if (code === 0) {
        resolve(stdout.trim());
        return;
      }
      const how = sig === null ? `exited with code ${String(code)}` : `was killed by ${sig}`;
      reject(new DriftwatchError('DRIFTWATCH_RETRAIN_COMMAND_FAILED', `retrain command ${how}${stderr.trim() === '' ? '' : `: ${stderr.trim()}`}`, {
        retryable: true, details: { jobId: context.jobId, exitCode: code, signal: sig },
      }));
    });
  });
}

/**
 * POSTs the job payload as JSON to the configured webhook (node's fetch), with headers
 * `x-driftwatch-job-id` and `x-driftwatch-attempt`. Any non-2xx answer, a network error or no
 * answer within `timeoutMs` (default 30 s) rejects with `DRIFTWATCH_RETRAIN_WEBHOOK_FAILED`, so
 * BullMQ retries. Resolves with the status line.
 */
export async function callRetrainWebhook(url: string, data: RetrainJobData, context: RetrainJobContext, timeoutMs = 30_000, signal?: AbortSignal): Promise<string> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-driftwatch-job-id': context.jobId, 'x-driftwatch-attempt': String(context.attempt) },
      body: JSON.stringify(data),
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
    });
  } catch (cause) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_WEBHOOK_FAILED', `retrain webhook POST failed: ${(cause as Error).message}`, {
      cause, retryable: true, details: { jobId: context.jobId, url: redactUrl(url) },
    });
  }
  const body = (await response.text().catch(() => '')).slice(0, OUTPUT_TAIL_BYTES);
  if (!response.ok) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_WEBHOOK_FAILED', `retrain webhook answered ${response.status} ${response.statusText}${body === '' ? '' : `: ${body}`}`, {
      retryable: true, details: { jobId: context.jobId, status: response.status, url: redactUrl(url) },
    });
  }
  return `${response.status} ${response.statusText}`.trim();
}

/** The URL without credentials or query string (which may hold a token), for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
