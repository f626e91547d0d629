import fc from 'fast-check';
import { decodeBatch, encodeBatch } from '../../src/shards/batch-codec';
import { isDriftwatchError } from '../../detectors/errors';

describe('batch codec', () => {
  it('round-trips role, topic, partition, offsets, null and empty keys, values and tombstones', () => {
    const messages = [
      { offset: '0', key: new TextEncoder().encode('asr-en'), value: new TextEncoder().encode('{"a":1}') },
      { offset: '17', key: null, value: new Uint8Array([0, 1, 2, 255]) },
      { offset: 9007199254740000, key: new Uint8Array(0), value: null },
    ];
    const decoded = decodeBatch(encodeBatch('outputs', 'inference.outputs-ü', 11, messages));
    expect(decoded.role).toBe('outputs');
    expect(decoded.topic).toBe('inference.outputs-ü');
    expect(decoded.partition).toBe(11);
    expect(decoded.records.map((r) => r.offset)).toEqual([0, 17, 9007199254740000]);
    expect(decoded.records.map((r) => (r.key === null ? null : [...r.key]))).toEqual([[...messages[0]!.key!], null, []]);
    expect(decoded.records.map((r) => [...r.value])).toEqual([[...messages[0]!.value!], [0, 1, 2, 255], []]);
    for (const r of decoded.records) expect(r).toMatchObject({ role: 'outputs', topic: 'inference.outputs-ü', partition: 11 });
  });

  it('round-trips arbitrary batches, and every record views the one transferred buffer', () => {
    const message = fc.record({
      offset: fc.nat({ max: 2 ** 40 }),
      key: fc.option(fc.uint8Array({ maxLength: 20 })),
      value: fc.uint8Array({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(fc.constantFrom('inputs' as const, 'outputs' as const, 'feedback' as const), fc.string(), fc.nat({ max: 1000 }), fc.array(message, { maxLength: 50 }), (role, topic, partition, messages) => {
        const buffer = encodeBatch(role, topic, partition, messages);
        const decoded = decodeBatch(buffer);
        expect(decoded).toMatchObject({ role, topic, partition });
        expect(decoded.records).toHaveLength(messages.length);
        decoded.records.forEach((r, i) => {
          const m = messages[i]!;
          expect(r.offset).toBe(m.offset);
          expect(r.key === null ? null : [...r.key]).toEqual(m.key === null ? null : [...m.key]);
          expect([...r.value]).toEqual([...m.value]);
          expect(r.value.buffer).toBe(buffer);
        });
      }),
    );
  });

  it('rejects a buffer that is not a batch with a coded error', () => {
    let caught: unknown;
    try {
      decodeBatch(new ArrayBuffer(40));
    } catch (e) {
      caught = e;
    }
    expect(isDriftwatchError(caught, 'DRIFTWATCH_SHARD_BATCH_CORRUPT')).toBe(true);
    const good = encodeBatch('inputs', 't', 0, [{ offset: 1, key: null, value: new Uint8Array(10) }]);
    expect(() => decodeBatch(good.slice(0, good.byteLength - 3))).toThrow();
  });
});
