import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { isDriftwatchError } from '../../detectors/errors';
import {
  CHECKPOINT_CHUNK_BYTES,
  CHECKPOINT_POINTER_MAX_BYTES,
  CHUNK_HEADER,
  SHA256_HEADER,
  checkpointMessages,
  checkpointOffsetEntry,
  checkpointPointer,
  decodeCheckpointPointer,
  encodeCheckpointPointer,
  type CheckpointPointer,
} from '../../src/kafka/checkpoint-store';

function pointer(overrides: Partial<CheckpointPointer> = {}): CheckpointPointer {
  return {
    v: 1,
    offset: 1234,
    chunks: 3,
    bytes: 1_200_000,
    sha256: createHash('sha256').update('x').digest('hex'),
    covered: { 'inference.inputs': 10, 'inference.outputs': 7, 'inference.feedback': 0 },
    at: 1_763_800_000_000,
    ...overrides,
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

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('checkpoint pointer (offset-commit metadata)', () => {
  it('round-trips exactly', () => {
    const p = pointer();
    const text = encodeCheckpointPointer(p);
    expect(decodeCheckpointPointer(text)).toEqual(p);
  });

  it('round-trips any valid pointer (property)', () => {
    const topic = fc.stringMatching(/^[a-zA-Z0-9._-]{1,60}$/);
    fc.assert(
      fc.property(
        fc.record({
          offset: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
          bytes: fc.nat({ max: 2 ** 40 }),
          covered: fc.dictionary(topic, fc.nat({ max: Number.MAX_SAFE_INTEGER }), { maxKeys: 3 }),
          at: fc.integer({ min: 0, max: 2 ** 50 }),
          digest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        }),
        ({ offset, bytes, covered, at, digest }) => {
          const p = pointer({ offset, bytes, chunks: Math.max(1, Math.ceil(bytes / CHECKPOINT_CHUNK_BYTES)), covered, at, sha256: Buffer.from(digest).toString('hex') });
          const text = encodeCheckpointPointer(p);
          expect(Buffer.byteLength(text)).toBeLessThanOrEqual(CHECKPOINT_POINTER_MAX_BYTES);
          expect(decodeCheckpointPointer(text)).toEqual(p);
        },
      ),
    );
  });

  it('keeps a topic named __proto__ as data', () => {
    // `__proto__` is a legal Kafka topic name; fromEntries makes it an own property (a literal would set the prototype).
    const p = pointer({
      covered: Object.fromEntries([
        ['__proto__', 5],
        ['constructor', 6],
      ]),
    });
    const back = decodeCheckpointPointer(encodeCheckpointPointer(p));
    expect(back).not.toBeNull();
    expect(Object.keys(back!.covered).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(back!.covered)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fits the 4096-byte metadata bound with three maximal topic names, and refuses beyond it with a code', () => {
    const maxTopic = (c: string): string => c.repeat(249); // Kafka's longest topic name
    const three = pointer({ offset: Number.MAX_SAFE_INTEGER, covered: { [maxTopic('a')]: Number.MAX_SAFE_INTEGER, [maxTopic('b')]: 1, [maxTopic('c')]: 2 } });
    expect(Buffer.byteLength(encodeCheckpointPointer(three))).toBeLessThanOrEqual(CHECKPOINT_POINTER_MAX_BYTES);
    const many = pointer({ covered: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${maxTopic('t')}${i}`, i])) });
    expect(codeOf(() => encodeCheckpointPointer(many))).toBe('DRIFTWATCH_CHECKPOINT_POINTER_TOO_LARGE');
  });

  it('refuses to encode an invalid pointer', () => {
    expect(codeOf(() => encodeCheckpointPointer(pointer({ offset: -1 })))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => encodeCheckpointPointer(pointer({ chunks: 0 })))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => encodeCheckpointPointer(pointer({ sha256: 'abc' })))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => encodeCheckpointPointer(pointer({ covered: { t: 1.5 } })))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });

  it('decodes absent, empty, foreign and garbage metadata to null without throwing', () => {
    const valid = encodeCheckpointPointer(pointer());
    const foreign: (string | null | undefined)[] = [
      null,
      undefined,
      '',
      ' ',
      'some-other-tool:42',
      '{}',
      '[]',
      'null',
      '{"driftwatch-checkpoint":2,"offset":1}',
      valid.slice(0, valid.length - 1), // truncated
      valid.replace('"offset":1234', '"offset":-3'),
      valid.replace('"offset":1234', '"offset":"1234"'),
      valid.replace('"chunks":3', '"chunks":0'),
      valid.replace(/"sha256":"[0-9a-f]+"/, '"sha256":"zz"'),
      valid.replace('"inference.inputs":10', '"inference.inputs":null'),
      valid.replace(/"covered":\{[^}]*\}/, '"covered":[1,2]'),
      valid.replace(/"at":\d+/, '"at":null'),
      `${valid}x`,
      '{"driftwatch-checkpoint":1' + ' '.repeat(100_000) + '}',
    ];
    for (const metadata of foreign) expect(decodeCheckpointPointer(metadata)).toBeNull();
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(() => decodeCheckpointPointer(text)).not.toThrow();
        expect(() => decodeCheckpointPointer(`{"driftwatch-checkpoint":1${text}`)).not.toThrow();
      }),
    );
  });

  it('makes the sendOffsets entry with the metadata kafkajs passes through', () => {
    const p = pointer();
    expect(checkpointOffsetEntry(2, 99, p)).toEqual({ partition: 2, offset: '99', metadata: encodeCheckpointPointer(p) });
  });
});

describe('checkpoint chunking', () => {
  function reassemble(partition: number, payload: Buffer, maxChunkBytes?: number): Buffer {
    const messages = checkpointMessages(partition, payload, maxChunkBytes);
    const n = messages.length;
    messages.forEach((m, i) => {
      expect(m.partition).toBe(partition);
      expect(m.key).toBe(`${partition}/${i}`);
      expect(m.headers).toEqual({ [CHUNK_HEADER]: `${i}/${n}`, [SHA256_HEADER]: sha(payload) });
      expect((m.value as Buffer).length).toBeLessThanOrEqual(maxChunkBytes ?? CHECKPOINT_CHUNK_BYTES);
    });
    return Buffer.concat(messages.map((m) => m.value as Buffer));
  }

  it('an empty payload is one empty chunk (chunk 0 always exists at the pointer offset)', () => {
    const messages = checkpointMessages(0, new Uint8Array(0));
    expect(messages).toHaveLength(1);
    expect((messages[0]!.value as Buffer).length).toBe(0);
    expect(checkpointPointer(5, new Uint8Array(0), {}).chunks).toBe(1);
  });

  it('splits at exact multiples and one byte either side', () => {
    const size = 1000;
    for (const [bytes, chunks] of [
      [1, 1],
      [size - 1, 1],
      [size, 1],
      [size + 1, 2],
      [3 * size, 3],
      [3 * size + 1, 4],
    ] as const) {
      const payload = randomBytes(bytes);
      expect(checkpointMessages(3, payload, size)).toHaveLength(chunks);
      expect(reassemble(3, payload, size).equals(payload)).toBe(true);
      expect(checkpointPointer(0, payload, {}, { maxChunkBytes: size }).chunks).toBe(chunks);
    }
  });

  it('defaults to 512 KiB chunks', () => {
    const payload = randomBytes(2 * CHECKPOINT_CHUNK_BYTES + 7);
    expect(checkpointMessages(1, payload).map((m) => (m.value as Buffer).length)).toEqual([CHECKPOINT_CHUNK_BYTES, CHECKPOINT_CHUNK_BYTES, 7]);
    expect(reassemble(1, payload).equals(payload)).toBe(true);
  });

  it('copies the payload (a caller reusing its buffer does not change queued chunks) and honours a subarray view', () => {
    const backing = randomBytes(100);
    const view = backing.subarray(10, 60);
    const expected = Buffer.from(view);
    const messages = checkpointMessages(0, view, 20);
    backing.fill(0);
    expect(Buffer.concat(messages.map((m) => m.value as Buffer)).equals(expected)).toBe(true);
    expect(messages[0]!.headers![SHA256_HEADER]).toBe(sha(expected));
  });

  it('the pointer describes the payload', () => {
    const payload = randomBytes(1_100_000);
    const p = checkpointPointer(42, payload, { a: 1 }, { at: 7 });
    expect(p).toEqual({ v: 1, offset: 42, chunks: 3, bytes: 1_100_000, sha256: sha(payload), covered: { a: 1 }, at: 7 });
    expect(decodeCheckpointPointer(encodeCheckpointPointer(p))).toEqual(p);
  });

  it('rejects a bad partition or chunk size with a code', () => {
    expect(codeOf(() => checkpointMessages(-1, new Uint8Array(1)))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => checkpointMessages(0, new Uint8Array(1), 0))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });
});
