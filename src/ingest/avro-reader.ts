import { types as avroTypes, type Type } from 'avro-js/lib/schemas';
import type { InputLimits } from './input-limits';
import { limitExceeded, reject } from './decode-reject';

/**
 * A bounded Avro binary reader driven by schemas that avro-js has parsed.
 *
 * avro-js parses and validates the schemas (names, namespaces, references); reading the binary is done
 * here because the record decoder needs guarantees avro-js' own `fromBuffer` does not give on hostile
 * bytes: (1) a block count larger than the bytes left makes avro-js loop for as long as the count says
 * (2^62 iterations for a 10-byte message); (2) map keys go into plain objects, so a `__proto__` key
 * replaces the map's prototype; (3) invalid UTF-8 becomes U+FFFD silently; (4) unions come back wrapped
 * (`{ string: "x" }`), a second representation the extractor would have to know about.
 *
 * This reader checks every length against the bytes left, caps collection sizes and nesting
 * (`maxArrayLength` for arrays, `maxFeatures` for maps, `maxDepth`), decodes strings as strict UTF-8,
 * builds null-prototype objects for maps (their keys come from the data), and returns plain values:
 * unions unwrapped, enums as their symbol, records as objects keyed by the schema's field names,
 * `bytes`/`fixed` as Uint8Array views of the message (valid only while the message buffer is),
 * int/long as numbers (longs beyond ±2^52 are rejected), logical types as their underlying type.
 * Failures throw a DecodeReject (`DRIFTWATCH_INVALID_AVRO`, `DRIFTWATCH_NOT_UTF8`,
 * `DRIFTWATCH_LIMIT_EXCEEDED`).
 */

const K_NULL = 0;
const K_BOOLEAN = 1;
const K_INT = 2;
const K_LONG = 3;
const K_FLOAT = 4;
const K_DOUBLE = 5;
const K_BYTES = 6;
const K_STRING = 7;
const K_RECORD = 8;
const K_ENUM = 9;
const K_FIXED = 10;
const K_ARRAY = 11;
const K_MAP = 12;
const K_UNION = 13;

/** One compiled schema node; every node has every property so V8 sees one shape. */
export class AvroNode {
  constructor(
    readonly k: number,
    public fieldNames: string[] = [],
    public fieldNodes: AvroNode[] = [],
    public symbols: string[] = [],
    public size = 0,
    public child: AvroNode | null = null,
    public branches: AvroNode[] = [],
    /** Records only: a field is literally named `__proto__`, so the object needs a null prototype. */
    public protoField = false,
  ) {}
}

/** Compiles an avro-js type into reader nodes (recursive named types become cyclic node graphs). */
export function compileAvroType(type: Type): AvroNode {
  return compile(type, new Map());
}

function compile(type: Type, seen: Map<Type, AvroNode>): AvroNode {
  const done = seen.get(type);
  if (done !== undefined) return done;
  const t = avroTypes;
  if (type instanceof t.LogicalType) return compile(type.getUnderlyingType(), seen);
  if (type instanceof t.NullType) return new AvroNode(K_NULL);
  if (type instanceof t.BooleanType) return new AvroNode(K_BOOLEAN);
  if (type instanceof t.IntType) return new AvroNode(K_INT);
  if (type instanceof t.LongType) return new AvroNode(K_LONG);
  if (type instanceof t.FloatType) return new AvroNode(K_FLOAT);
  if (type instanceof t.DoubleType) return new AvroNode(K_DOUBLE);
  if (type instanceof t.BytesType) return new AvroNode(K_BYTES);
  if (type instanceof t.StringType) return new AvroNode(K_STRING);
  if (type instanceof t.EnumType) {
    const node = new AvroNode(K_ENUM);
    node.symbols = type.getSymbols();
    return node;
  }
  if (type instanceof t.FixedType) {
    const node = new AvroNode(K_FIXED);
    node.size = type.getSize();
    return node;
  }
  if (type instanceof t.RecordType) {
    const node = new AvroNode(K_RECORD);
    seen.set(type, node); // before the fields: a field may refer back to this record
    for (const field of type.getFields()) {
      node.fieldNames.push(field.getName());
      node.fieldNodes.push(compile(field.getType(), seen));
    }
    node.protoField = node.fieldNames.includes('__proto__');
    return node;
  }
  if (type instanceof t.ArrayType) {
    const node = new AvroNode(K_ARRAY);
    node.child = compile(type.getItemsType(), seen);
    return node;
  }
  if (type instanceof t.MapType) {
    const node = new AvroNode(K_MAP);
    node.child = compile(type.getValuesType(), seen);
    return node;
  }
  if (type instanceof t.UnionType) {
    const node = new AvroNode(K_UNION);
    node.branches = type.getTypes().map((b) => compile(b, seen));
    return node;
  }
  throw new Error(`unsupported Avro type ${type.getName(true) ?? '?'}`);
}

// ignoreBOM keeps a leading U+FEFF inside a string value instead of stripping it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// Scratch space for float/double: copy 4/8 bytes, read them back as a number (no per-read allocation).
const SCRATCH = new Uint8Array(8);
const SCRATCH_F32 = new Float32Array(SCRATCH.buffer, 0, 1);
const SCRATCH_F64 = new Float64Array(SCRATCH.buffer, 0, 1);
const TWO_28 = 268435456;

/**
 * Reads one value of `node` spanning `buf[start, end)` exactly (trailing bytes are an error). Not
 * reentrant: one reader per decoder, used synchronously.
 */
export class AvroReader {
  private buf: Uint8Array = SCRATCH;
  private pos = 0;
  private end = 0;

  constructor(private readonly limits: Readonly<InputLimits>) {}

  read(node: AvroNode, buf: Uint8Array, start: number): unknown {
    this.buf = buf;
    this.pos = start;
    this.end = buf.length;
    try {
      const value = this.value(node, 1);
      if (this.pos !== this.end) reject('DRIFTWATCH_INVALID_AVRO', `Avro body has ${this.end - this.pos} trailing bytes`);
      return value;
    } finally {
      this.buf = SCRATCH; // do not keep the message alive
    }
  }

  private value(node: AvroNode, depth: number): unknown {
    switch (node.k) {
      case K_NULL:
        return null;
      case K_BOOLEAN: {
        const b = this.byte();
        if (b > 1) reject('DRIFTWATCH_INVALID_AVRO', `Avro boolean byte ${b} is neither 0 nor 1`);
        return b === 1;
      }
      case K_INT:
      case K_LONG:
        return this.long();
      case K_FLOAT:
        this.need(4);
        for (let i = 0; i < 4; i++) SCRATCH[i] = this.buf[this.pos + i]!;
        this.pos += 4;
        return SCRATCH_F32[0]!;
      case K_DOUBLE:
        this.need(8);
        for (let i = 0; i < 8; i++) SCRATCH[i] = this.buf[this.pos + i]!;
        this.pos += 8;
        return SCRATCH_F64[0]!;
      case K_BYTES: {
        const len = this.length();
        const v = this.buf.subarray(this.pos, this.pos + len);
        this.pos += len;
        return v;
      }
      case K_STRING:
        return this.string();
      case K_RECORD: {
        if (depth > this.limits.maxDepth) tooDeep(this.limits);
        // Field names come from the schema, not the data; a plain object keeps V8's fast properties.
        // Only a field named `__proto__` would hit the prototype setter, so only then a null prototype.
        const out = (node.protoField ? Object.create(null) : {}) as Record<string, unknown>;
        const names = node.fieldNames;
        const nodes = node.fieldNodes;
        for (let i = 0; i < names.length; i++) out[names[i]!] = this.value(nodes[i]!, depth + 1);
        return out;
      }
      case K_ENUM: {
        const i = this.long();
        const symbol = node.symbols[i];
        if (symbol === undefined) reject('DRIFTWATCH_INVALID_AVRO', `Avro enum index ${i} out of range`);
        return symbol;
      }
      case K_FIXED: {
        this.need(node.size);
        const v = this.buf.subarray(this.pos, this.pos + node.size);
        this.pos += node.size;
        return v;
      }
      case K_ARRAY: {
        if (depth > this.limits.maxDepth) tooDeep(this.limits);
        const out: unknown[] = [];
        const items = node.child!;
        const cap = this.limits.maxArrayLength;
        for (let n = this.blockCount('maxArrayLength'); n !== 0; n = this.blockCount('maxArrayLength')) {
          if (out.length + n > cap) limitExceeded('maxArrayLength', `Avro array has more than maxArrayLength (${cap}) elements`);
          for (let i = 0; i < n; i++) out.push(this.value(items, depth + 1));
        }
        return out;
      }
      case K_MAP: {
        if (depth > this.limits.maxDepth) tooDeep(this.limits);
        const out = Object.create(null) as Record<string, unknown>;
        const values = node.child!;
        const cap = this.limits.maxFeatures;
        let count = 0;
        for (let n = this.blockCount('maxFeatures'); n !== 0; n = this.blockCount('maxFeatures')) {
          count += n;
          if (count > cap) limitExceeded('maxFeatures', `Avro map has more than maxFeatures (${cap}) entries`);
          for (let i = 0; i < n; i++) {
            const key = this.string();
            out[key] = this.value(values, depth + 1);
          }
        }
        return out;
      }
      case K_UNION: {
        const i = this.long();
        const branch = node.branches[i];
        if (branch === undefined) reject('DRIFTWATCH_INVALID_AVRO', `Avro union branch ${i} out of range`);
        return this.value(branch, depth);
      }
      default:
        return reject('DRIFTWATCH_INVALID_AVRO', 'unknown Avro node');
    }
  }

  private need(n: number): void {
    if (this.end - this.pos < n) reject('DRIFTWATCH_INVALID_AVRO', 'Avro body is truncated');
  }

  private byte(): number {
    if (this.pos >= this.end) reject('DRIFTWATCH_INVALID_AVRO', 'Avro body is truncated');
    return this.buf[this.pos++]!;
  }

  /** Zigzag varint. Up to 4 bytes with 32-bit ops; beyond that exact doubles, capped at ±2^52. */
  private long(): number {
    let b = this.byte();
    let n = b & 0x7f;
    let shift = 7;
    while (b & 0x80 && shift < 28) {
      b = this.byte();
      n |= (b & 0x7f) << shift;
      shift += 7;
    }
    if ((b & 0x80) === 0) return (n >>> 1) ^ -(n & 1);
    let f = n;
    let mul = TWO_28;
    do {
      b = this.byte();
      f += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80 && f <= Number.MAX_SAFE_INTEGER);
    if (b & 0x80 || f > Number.MAX_SAFE_INTEGER) reject('DRIFTWATCH_INVALID_AVRO', 'Avro long is outside ±2^52');
    return f % 2 === 1 ? -(f + 1) / 2 : f / 2;
  }

  /** A byte length: non-negative and within the bytes left. */
  private length(): number {
    const len = this.long();
    if (len < 0) reject('DRIFTWATCH_INVALID_AVRO', `negative Avro length ${len}`);
    if (len > this.end - this.pos) reject('DRIFTWATCH_INVALID_AVRO', 'Avro body is truncated');
    return len;
  }

  /**
   * An array/map block count; a negative count is followed by the block's byte size (skipped).
   * `cap` is the collection's limit (maxArrayLength for arrays, maxFeatures for maps).
   */
  private blockCount(cap: 'maxArrayLength' | 'maxFeatures'): number {
    let n = this.long();
    if (n < 0) {
      n = -n;
      this.long();
    }
    // Elements may take zero bytes (null items), so the bytes left cannot bound the loop: the cap
    // does, checked here before any element is read (the collection also checks its running total).
    if (n > this.limits[cap]) limitExceeded(cap, `Avro block of ${n} elements exceeds ${cap} (${this.limits[cap]})`);
    return n;
  }

  private string(): string {
    const len = this.length();
    // A UTF-16 unit needs at least one byte, at most three: bytes > 3 × max units is surely too long.
    if (len > 3 * this.limits.maxStringLength) {
      limitExceeded('maxStringLength', `Avro string longer than maxStringLength (${this.limits.maxStringLength})`);
    }
    const buf = this.buf;
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    // ASCII fast path: short keys and ids dominate, and fromCharCode beats a decoder call on them.
    if (len <= 64) {
      let ascii = true;
      for (let i = start; i < end; i++) {
        if (buf[i]! > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        let s = '';
        for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
        return s;
      }
    }
    try {
      return UTF8.decode(buf.subarray(start, end));
    } catch {
      return reject('DRIFTWATCH_NOT_UTF8', 'an Avro string is not valid UTF-8');
    }
  }
}

function tooDeep(limits: Readonly<InputLimits>): never {
  return limitExceeded('maxDepth', `Avro value nests deeper than maxDepth (${limits.maxDepth})`);
}
