import fc from 'fast-check';
import { isDriftwatchError } from '../../detectors/errors';
import type { RetrainTrigger } from '../../src/alerts/alert-types';
import { OUTBOX_JOB_ID_HEADER, outboxMessage, parseOutboxMessage } from '../../src/retrain/retrain-outbox';

function trigger(jobId: string, model = 'asr-en'): RetrainTrigger {
  return {
    job_id: jobId, model_id: model, model_version: '2026.11.1',
    alerts: [{ alert_id: `${jobId}a`, incident_id: jobId } as unknown as RetrainTrigger['alerts'][number]],
    data_range: { start: 1_763_800_000_000, end: 1_763_800_300_000, sources: [{ topic: 'inference.inputs', partition: 2, from_offset: 10, to_offset: 99 }] },
  };
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDriftwatchError(e) ? e.code : `not coded: ${String(e)}`;
  }
  return undefined;
}

describe('retrain outbox records', () => {
  it('key and header are the job id, the value is the trigger as JSON', () => {
    const t = trigger('9f3ab2c41d0e7788');
    const m = outboxMessage(t);
    expect(m.key).toBe('9f3ab2c41d0e7788');
    expect(m.headers).toEqual({ [OUTBOX_JOB_ID_HEADER]: '9f3ab2c41d0e7788' });
    expect(JSON.parse(String(m.value))).toEqual(t);
  });

  it('parse(outboxMessage(t)) gives t back, for any ids and evidence', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.integer(), fc.array(fc.string()), (jobId, model, start, notes) => {
        const t = trigger(jobId, model);
        t.data_range.start = start;
        t.alerts = notes.map((n) => ({ message: n }) as unknown as RetrainTrigger['alerts'][number]);
        expect(parseOutboxMessage(Buffer.from(String(outboxMessage(t).value)))).toEqual(t);
      }),
    );
  });

  it.each([
    ['a tombstone', null],
    ['not JSON', Buffer.from('{"job_id": "x"')],
    ['binary', Buffer.from([0xff, 0x00, 0x13])],
    ['a JSON array', Buffer.from('[1,2]')],
    ['JSON null', Buffer.from('null')],
    ['a job id missing', Buffer.from(JSON.stringify({ ...trigger('x'), job_id: undefined }))],
    ['an empty job id', Buffer.from(JSON.stringify({ ...trigger('x'), job_id: '' }))],
    ['a numeric model id', Buffer.from(JSON.stringify({ ...trigger('x'), model_id: 7 }))],
    ['alerts not an array', Buffer.from(JSON.stringify({ ...trigger('x'), alerts: {} }))],
    ['no data range', Buffer.from(JSON.stringify({ ...trigger('x'), data_range: undefined }))],
    ['data range without sources', Buffer.from(JSON.stringify({ ...trigger('x'), data_range: { start: 1, end: 2 } }))],
  ])('rejects %s with DRIFTWATCH_RETRAIN_OUTBOX_INVALID', (_what, value) => {
    expect(codeOf(() => parseOutboxMessage(value))).toBe('DRIFTWATCH_RETRAIN_OUTBOX_INVALID');
  });

  it('never throws anything but the coded error on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const code = codeOf(() => parseOutboxMessage(Buffer.from(bytes)));
        expect(code === undefined || code === 'DRIFTWATCH_RETRAIN_OUTBOX_INVALID').toBe(true);
      }),
    );
  });
});
