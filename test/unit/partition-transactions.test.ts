import { randomBytes } from 'node:crypto';
import type { DlqEntry } from '../../src/alerts/alert-types';
import { KafkaJSProtocolError } from 'kafkajs';
import { dlqEntryThatFits, isFencedError, isRefusedForNow, transactionalIdOf } from '../../src/kafka/partition-transactions';
import { loadConfig } from '../../src/config/load-config';

const entry = (bytes: number): DlqEntry => ({
  topic: 'inference.inputs',
  partition: 3,
  offset: 17,
  error_code: 'DRIFTWATCH_INVALID_JSON',
  error_message: 'not JSON',
  value_b64: randomBytes(bytes).toString('base64'),
  key: 'asr-en',
});

describe('DLQ entries on the DLQ topic', () => {
  it('are unchanged while they fit a record batch', () => {
    const small = entry(600 * 1024);
    expect(dlqEntryThatFits(small)).toBe(small);
  });

  it('keep the first 512 KiB of a value too large for the broker, marked truncated', () => {
    const big = entry(1024 * 1024);
    const fitted = dlqEntryThatFits(big);
    expect(fitted.value_truncated).toBe(true);
    expect(Buffer.from(fitted.value_b64, 'base64')).toEqual(Buffer.from(big.value_b64, 'base64').subarray(0, 512 * 1024));
    expect(JSON.stringify(fitted).length).toBeLessThan(1_000_000);
    expect({ ...fitted, value_b64: '', value_truncated: undefined }).toEqual({ ...big, value_b64: '', value_truncated: undefined });
  });
});

describe('fencing', () => {
  it('one stable transactional id per partition index and group', () => {
    const config = loadConfig({ env: {}, overrides: { kafka: { groupId: 'dw' } } });
    expect(transactionalIdOf(config, 0)).toBe('dw.p0');
    expect(transactionalIdOf(config, 11)).toBe('dw.p11');
  });

  it('recognises kafkajs fencing errors, also wrapped, and nothing else', () => {
    expect(isFencedError({ type: 'INVALID_PRODUCER_EPOCH' })).toBe(true);
    expect(isFencedError({ type: 'PRODUCER_FENCED' })).toBe(true);
    expect(isFencedError({ name: 'KafkaJSNonRetriableError', originalError: { type: 'INVALID_PRODUCER_EPOCH' } })).toBe(true);
    expect(isFencedError(new Error('There is a newer producer with the same transactionalId which fences the current one'))).toBe(true);
    expect(isFencedError({ type: 'REQUEST_TIMED_OUT' })).toBe(false);
    expect(isFencedError(new Error('Connection error: ECONNREFUSED'))).toBe(false);
    expect(isFencedError(undefined)).toBe(false);
  });

  it('retries only CONCURRENT_TRANSACTIONS with the same producer (nothing was written); other retriable errors replace it', () => {
    // kafkajs' own error table (protocol/error.js, untyped) turns broker error codes into these errors.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- no typings for kafkajs internals
    const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };
    expect(isRefusedForNow(createErrorFromCode(51))).toBe(true);
    expect(isRefusedForNow(new KafkaJSProtocolError(createErrorFromCode(51)))).toBe(true);
    // REQUEST_TIMED_OUT is retriable too, but a produce that timed out may have been written.
    expect(isRefusedForNow(createErrorFromCode(7))).toBe(false);
    expect(isRefusedForNow(new Error('Connection error: ECONNREFUSED'))).toBe(false);
  });
});
