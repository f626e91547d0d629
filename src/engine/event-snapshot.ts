/**
 * Snapshot encoding of the events the engine holds between pushes (waiting in the stream merger,
 * or parked in the request join as early arrivals): the decoded event (plain data) plus the
 * coordinates of its record (topic, partition, offset: alert `sources` cite them).
 *
 * One array per event instead of an object (a checkpoint may hold 100,000s of them: keys would
 * double its size), topics through a table. Decoded objects of user data (`segment`, `features`)
 * are rebuilt as null-prototype objects in the same key order, like the decoder builds them, so
 * that keys such as `__proto__` or `toString` stay plain data and slices are found in the same order.
 */
import type { Deployment, FeatureValue, FeedbackAction, InferenceEvent } from '../pipeline/events';
import type { TopicRole } from '../pipeline/records';
import {
  decNum,
  encNum,
  invalidSnapshot,
  readArray,
  readBoolean,
  readInt,
  readNullableString,
  readString,
  type SnapNumber,
} from './snapshot-codec';
import type { MergedEvent } from './stream-merger';

export type EventSnapshot = unknown[];

const ROLES: readonly TopicRole[] = ['inputs', 'outputs', 'feedback'];
const DEPLOYMENTS: ReadonlySet<string> = new Set<Deployment>(['live', 'shadow', 'canary']);
const ACTIONS: ReadonlySet<string> = new Set<FeedbackAction>(['redo', 'switch_to_typing', 'accept', 'correct']);
const EMPTY: Readonly<Record<string, never>> = Object.freeze(Object.create(null) as Record<string, never>);

/** Topic names of a snapshot, each stored once. */
export class TopicTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();

  indexOf(topic: string): number {
    let i = this.index.get(topic);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(topic);
      this.index.set(topic, i);
    }
    return i;
  }
}

function encNullableNum(x: number | null): SnapNumber | null {
  return x === null ? null : encNum(x);
}

function decNullableNum(v: unknown, path: string): number | null {
  return v === null ? null : decNum(v, path);
}

/** A feature value: numbers JSON cannot carry go as a one-element array (never a feature value). */
function encFeature(v: FeatureValue): unknown {
  if (typeof v !== 'number') return v;
  const e = encNum(v);
  return typeof e === 'number' ? e : [e];
}

function decFeature(v: unknown, path: string): FeatureValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return decNum(v, path);
  const a = readArray(v, path, 1);
  if (typeof a[0] !== 'string') throw invalidSnapshot(path, 'not a feature value');
  return decNum(a[0], path);
}

function encFlat(o: Readonly<Record<string, unknown>>, enc: (v: never) => unknown): unknown[] {
  const out: unknown[] = [];
  for (const k in o) out.push(k, enc(o[k] as never));
  return out;
}

function decFlat<T>(v: unknown, path: string, dec: (x: unknown, p: string) => T): Record<string, T> {
  const a = readArray(v, path);
  if (a.length === 0) return EMPTY;
  if (a.length % 2 !== 0) throw invalidSnapshot(path, 'odd length');
  const out = Object.create(null) as Record<string, T>;
  for (let i = 0; i < a.length; i += 2) {
    const k = readString(a[i], `${path}[${i}]`);
    if (k in out) throw invalidSnapshot(path, 'duplicate key');
    out[k] = dec(a[i + 1], `${path}[${i + 1}]`);
  }
  return out;
}

export function encodeEvent(e: MergedEvent, topics: TopicTable): EventSnapshot {
  const ev = e.event;
  const head = [topics.indexOf(e.topic), e.partition, e.offset, e.rank];
  switch (ev.type) {
    case 'input':
      return [
        ...head,
        'i',
        ev.requestId,
        ev.modelId,
        ev.ts,
        ev.modelVersion,
        ev.sessionId,
        encFlat(ev.segment, (s: string) => s),
        encNullableNum(ev.length),
        encNullableNum(ev.brightness),
        encFlat(ev.features, encFeature),
      ];
    case 'output':
      return [
        ...head,
        'o',
        ev.requestId,
        ev.modelId,
        ev.ts,
        ev.modelVersion,
        ev.nullOutput,
        ev.prediction,
        encNullableNum(ev.confidence),
        encNullableNum(ev.latencyMs),
        ev.deployment,
      ];
    case 'feedback':
      return [...head, 'f', ev.requestId, ev.modelId, ev.ts, ev.action, ev.label];
  }
}

export function decodeEvent(v: unknown, path: string, topics: readonly string[]): MergedEvent {
  const a = readArray(v, path);
  const topicIndex = readInt(a[0], `${path}[0]`, 0, topics.length - 1);
  const partition = readInt(a[1], `${path}[1]`);
  const offset = readInt(a[2], `${path}[2]`);
  const rank = readInt(a[3], `${path}[3]`, 0, 2);
  const requestId = readString(a[5], `${path}[5]`);
  const modelId = readString(a[6], `${path}[6]`);
  const ts = readInt(a[7], `${path}[7]`, -Number.MAX_SAFE_INTEGER);
  let event: InferenceEvent;
  switch (a[4]) {
    case 'i':
      readArray(a, path, 14);
      event = {
        type: 'input',
        requestId,
        modelId,
        modelVersion: readString(a[8], `${path}[8]`),
        ts,
        sessionId: readNullableString(a[9], `${path}[9]`),
        segment: decFlat(a[10], `${path}[10]`, readString),
        length: decNullableNum(a[11], `${path}[11]`),
        brightness: decNullableNum(a[12], `${path}[12]`),
        features: decFlat(a[13], `${path}[13]`, decFeature),
      };
      break;
    case 'o': {
      readArray(a, path, 14);
      const deployment = readString(a[13], `${path}[13]`);
      if (!DEPLOYMENTS.has(deployment)) throw invalidSnapshot(`${path}[13]`, 'not a deployment');
      event = {
        type: 'output',
        requestId,
        modelId,
        modelVersion: readString(a[8], `${path}[8]`),
        ts,
        nullOutput: readBoolean(a[9], `${path}[9]`),
        prediction: readNullableString(a[10], `${path}[10]`),
        confidence: decNullableNum(a[11], `${path}[11]`),
        latencyMs: decNullableNum(a[12], `${path}[12]`),
        deployment: deployment as Deployment,
      };
      break;
    }
    case 'f': {
      readArray(a, path, 10);
      const action = readNullableString(a[8], `${path}[8]`);
      if (action !== null && !ACTIONS.has(action)) throw invalidSnapshot(`${path}[8]`, 'not a feedback action');
      event = { type: 'feedback', requestId, modelId, ts, action: action as FeedbackAction | null, label: readNullableString(a[9], `${path}[9]`) };
      break;
    }
    default:
      throw invalidSnapshot(`${path}[4]`, 'not an event type');
  }
  return { event, role: ROLES[rank] as TopicRole, rank, topic: topics[topicIndex] as string, partition, offset };
}
