/**
 * A seeded generator of realistic speech-recognition traffic: input, output and feedback wire
 * objects (DESIGN.md §2.1) for several models, versions and device/region segments, with sessions
 * (a user who redoes a request sends a new input from the same session a few seconds later),
 * optional image brightness, and drift scenarios injected at a given request index per metric,
 * per model, optionally per version and per slice. Used by the engine tests, the demo and the
 * benches.
 *
 * ```ts
 * const sim = new SpeechTraffic({ seed: 1, drifts: [{ metric: 'input_length', model: 'asr-en', atRequest: 8000 }] });
 * for (let i = 0; i < 10; i++) console.log(sim.next()); // { role, topic, key, ts, value } in production order
 * ```
 *
 * Same seed and options → the same records, byte for byte. Records come in production order:
 * non-decreasing event time `ts` across all three topics (an output at input ts + latency,
 * feedback 1–20 s after its input), so per-topic order is event-time order.
 *
 * Stationary distributions (per model; a model's versions share them; devices differ a little,
 * see DEVICE_BASELINE): input length ~ round(exp(N(3.3, 0.45))); features snr_db ~ N(20, 5), volume ~ N(0.6, 0.15),
 * noise ∈ {quiet .5, street .3, car .2}, lang ∈ {en .7, es .2, fr .1}, each of snr_db / volume /
 * noise null with p = 0.05 (so missing_values ~ Binomial(3, 0.05)); brightness ~ N(0.55, 0.12)
 * clipped to [0, 1]; null output p = 0.03; confidence = logistic(N(2.5, 1)); latency ms ~
 * round(exp(N(4.4, 0.3))); redo p = 0.05 (half of them also send explicit `redo` feedback);
 * switch_to_typing p = 0.02; 30% of requests get a label (`accept`/`correct`), wrong with p = 0.08.
 *
 * Drift shifts at magnitude 1 (`DriftSpec.magnitude` scales them). Each is larger than what a
 * two-sample test on 1,000 vs 1,000 events detects with power 0.99 at α = 0.05 (KS D ≳ 0.1 for
 * continuous metrics; for rates the z-test's power is given in docs/detection.md):
 * input_length log-mean +0.25 (KS D ≈ 0.22); missing_values p 0.05 → 0.15 (D ≈ 0.24);
 * brightness −0.06 (D ≈ 0.2); null_output 0.03 → 0.09; redo 0.05 → 0.13; switch_to_typing
 * 0.02 → 0.08; confidence logit-mean −0.6 (D ≈ 0.23); latency_ms log-mean +0.18 (D ≈ 0.23);
 * error_rate 0.08 → 0.22 (on labelled requests); feature:snr_db −3 dB (D ≈ 0.23);
 * feature:volume −0.09 (D ≈ 0.23); feature:lang en .7 → .5, es .2 → .35, fr .1 → .15
 * (JS distance base 2 ≈ 0.17); feature:noise quiet .5 → .3, street .3 → .45, car .2 → .25.
 */

export type SimRole = 'inputs' | 'outputs' | 'feedback';

export type SimMetric =
  | 'input_length'
  | 'missing_values'
  | 'brightness'
  | 'null_output'
  | 'redo'
  | 'switch_to_typing'
  | 'confidence'
  | 'latency_ms'
  | 'error_rate'
  | 'feature:snr_db'
  | 'feature:volume'
  | 'feature:lang'
  | 'feature:noise';

/** The features the simulator sends, as a `features` config entry would name them. */
export const SIM_FEATURES: readonly { name: string; type: 'numeric' | 'categorical' }[] = [
  { name: 'snr_db', type: 'numeric' },
  { name: 'volume', type: 'numeric' },
  { name: 'noise', type: 'categorical' },
  { name: 'lang', type: 'categorical' },
];

export interface SimModel {
  id: string;
  /** Versions and their traffic shares (normalised). */
  versions: { version: string; share: number }[];
  /** Relative traffic of the model (default 1). */
  weight?: number;
}

export interface DriftSpec {
  metric: SimMetric;
  model: string;
  /** Only this version (default: every version of the model). */
  version?: string;
  /** Only this slice, e.g. { device: 'android' } (default: the whole model). */
  slice?: Record<string, string>;
  /** Index (0-based) of the model's request from which the drift applies. */
  atRequest: number;
  /** Index from which it no longer applies (default: never ends). */
  untilRequest?: number;
  /** Multiplier of the standard shift (default 1). */
  magnitude?: number;
}

export interface SpeechTrafficOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Default: asr-en (2026.11.1 80% / 2026.11.2 20%), asr-de (2026.10.4), asr-fr (2026.11.1, half the traffic). */
  models?: SimModel[];
  /** Device segment values and shares (default android .5, ios .35, web .15). */
  devices?: { value: string; share: number }[];
  /** Region segment values and shares (default eu .4, us .4, apac .2). */
  regions?: { value: string; share: number }[];
  /** Event time of the first request (default 1763800000000). */
  startTs?: number;
  /** Fresh requests per second of event time, all models together (default 20). */
  requestsPerSecond?: number;
  /** Send `input.image.brightness` (default true). */
  images?: boolean;
  /** Send feedback records (default true). */
  feedback?: boolean;
  /** Topic names (default inference.inputs / inference.outputs / inference.feedback). */
  topics?: Partial<Record<SimRole, string>>;
  drifts?: DriftSpec[];
  /**
   * Shadow deployments: model id → a version that answers a copy of every request of the model
   * (outputs with `deployment: "shadow"`, the live version's request id, its own latency,
   * confidence and null outputs; drifts with `version` set to it apply to it). Default: none.
   */
  shadow?: Record<string, string>;
}

export interface SimRecord {
  role: SimRole;
  topic: string;
  /** Message key = model id. */
  key: string;
  /** Event time of the record (equals value.ts). */
  ts: number;
  /** The wire object (DESIGN.md §2.1). */
  value: Record<string, unknown>;
}

const DEFAULT_MODELS: SimModel[] = [
  { id: 'asr-en', versions: [{ version: '2026.11.1', share: 0.8 }, { version: '2026.11.2', share: 0.2 }] },
  { id: 'asr-de', versions: [{ version: '2026.10.4', share: 1 }] },
  { id: 'asr-fr', versions: [{ version: '2026.11.1', share: 1 }], weight: 0.5 },
];

/**
 * Slices differ at baseline, as real segments do (web users type longer queries into the mic
 * widget, android devices are slower, iOS gets more confident transcripts): drift attribution must
 * compare each slice with its own reference, not slices with each other.
 */
const DEVICE_BASELINE: Readonly<Record<string, { logLength: number; logLatency: number; logitConfidence: number }>> = {
  android: { logLength: 0, logLatency: 0.1, logitConfidence: 0 },
  ios: { logLength: 0, logLatency: 0, logitConfidence: 0.3 },
  web: { logLength: 0.15, logLatency: -0.05, logitConfidence: -0.2 },
};
const NO_OFFSET = { logLength: 0, logLatency: 0, logitConfidence: 0 };

const PHRASES = ['play some jazz', 'call mom', 'what is the weather', 'set a timer for ten minutes', 'navigate home', 'turn off the lights', 'read my messages', 'add milk to the list'];

// Module-level copies: global lookups (Math.*) are slow inside jest's vm context, where the
// simulator also runs.
const { imul, sqrt, log, sin, cos, exp, round, floor, max, PI } = Math;

/** mulberry32: small, fast, good enough for traffic simulation, and the same on every platform. */
class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(mean: number, sd: number): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = sqrt(-2 * log(u));
    this.spare = r * sin(2 * PI * v);
    return mean + sd * r * cos(2 * PI * v);
  }
  pick<T extends { share: number }>(xs: readonly T[]): T {
    let total = 0;
    for (const x of xs) total += x.share;
    let u = this.next() * total;
    for (const x of xs) {
      u -= x.share;
      if (u < 0) return x;
    }
    return xs[xs.length - 1] as T;
  }
  categorical(values: readonly string[], probs: readonly number[]): string {
    let u = this.next();
    for (let i = 0; i < values.length; i++) {
      u -= probs[i] as number;
      if (u < 0) return values[i] as string;
    }
    return values[values.length - 1] as string;
  }
}

interface Pending {
  ts: number;
  seq: number;
  record?: SimRecord;
  /** A redo: a new input of the same session (generated when popped, so request indexes follow time). */
  followUp?: { model: SimModel; version: string; device: string; region: string; session: string };
}

const round4 = (x: number): number => round(x * 1e4) / 1e4;
const clip01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

export class SpeechTraffic {
  private readonly rng: Rng;
  private readonly models: SimModel[];
  private readonly devices: { value: string; share: number }[];
  private readonly regions: { value: string; share: number }[];
  private readonly meanGapMs: number;
  private readonly images: boolean;
  private readonly feedback: boolean;
  private readonly topics: Record<SimRole, string>;
  private readonly drifts: DriftSpec[];
  private readonly shadow: ReadonlyMap<string, string>;
  private readonly heap: Pending[] = [];
  private seq = 0;
  private nextFreshTs: number;
  private sessionCounter = 0;
  private readonly requestCounts = new Map<string, number>();

  constructor(options: SpeechTrafficOptions = {}) {
    this.rng = new Rng(options.seed ?? 1);
    this.models = (options.models ?? DEFAULT_MODELS).map((m) => ({ ...m, weight: m.weight ?? 1 }));
    this.devices = options.devices ?? [
      { value: 'android', share: 0.5 },
      { value: 'ios', share: 0.35 },
      { value: 'web', share: 0.15 },
    ];
    this.regions = options.regions ?? [
      { value: 'eu', share: 0.4 },
      { value: 'us', share: 0.4 },
      { value: 'apac', share: 0.2 },
    ];
    this.meanGapMs = 1000 / (options.requestsPerSecond ?? 20);
    this.images = options.images ?? true;
    this.feedback = options.feedback ?? true;
    this.topics = {
      inputs: options.topics?.inputs ?? 'inference.inputs',
      outputs: options.topics?.outputs ?? 'inference.outputs',
      feedback: options.topics?.feedback ?? 'inference.feedback',
    };
    this.drifts = options.drifts ?? [];
    this.shadow = new Map(Object.entries(options.shadow ?? {}));
    this.nextFreshTs = options.startTs ?? 1763800000000;
  }

  /** Requests generated so far for a model (inputs, redo follow-ups included). */
  requestsOf(modelId: string): number {
    return this.requestCounts.get(modelId) ?? 0;
  }

  /** The next record in production order. The stream is endless. */
  next(): SimRecord {
    for (;;) {
      while (this.heap.length === 0 || (this.heap[0] as Pending).ts >= this.nextFreshTs) this.fresh();
      const p = this.pop();
      if (p.record !== undefined) return p.record;
      const f = p.followUp!;
      this.request(p.ts, f.model, f.version, f.device, f.region, f.session);
    }
  }

  /** The next n records. */
  take(n: number): SimRecord[] {
    const out: SimRecord[] = new Array<SimRecord>(n);
    for (let i = 0; i < n; i++) out[i] = this.next();
    return out;
  }

  private fresh(): void {
    const ts = round(this.nextFreshTs);
    const u = this.rng.next() || 1e-12;
    this.nextFreshTs += -log(u) * this.meanGapMs;
    const model = this.rng.pick(this.models.map((m) => ({ m, share: m.weight as number }))).m;
    const version = this.rng.pick(model.versions).version;
    const device = this.rng.pick(this.devices).value;
    const region = this.rng.pick(this.regions).value;
    this.request(ts, model, version, device, region, `s-${++this.sessionCounter}`);
  }

  /** Drift magnitude of `metric` for this request (0 when no drift applies). */
  private shift(metric: SimMetric, model: string, version: string, index: number, device: string, region: string): number {
    let m = 0;
    for (const d of this.drifts) {
      if (d.metric !== metric || d.model !== model || index < d.atRequest || index >= (d.untilRequest ?? Infinity)) continue;
      if (d.version !== undefined && d.version !== version) continue;
      if (d.slice !== undefined) {
        const seg: Record<string, string> = { device, region };
        if (!Object.entries(d.slice).every(([k, v]) => seg[k] === v)) continue;
      }
      m += d.magnitude ?? 1;
    }
    return m;
  }

  private request(ts: number, model: SimModel, version: string, device: string, region: string, session: string): void {
    const r = this.rng;
    const index = this.requestCounts.get(model.id) ?? 0;
    this.requestCounts.set(model.id, index + 1);
    const s = (metric: SimMetric): number => (this.drifts.length === 0 ? 0 : this.shift(metric, model.id, version, index, device, region));
    const requestId = `${model.id}-${version}-${index}`;

    const base = DEVICE_BASELINE[device] ?? NO_OFFSET;
    const length = max(1, round(exp(r.normal(3.3 + base.logLength + 0.25 * s('input_length'), 0.45))));
    const pMissing = 0.05 + 0.1 * s('missing_values');
    const snr = r.normal(20 - 3 * s('feature:snr_db'), 5);
    const volume = r.normal(0.6 - 0.09 * s('feature:volume'), 0.15);
    const noiseShift = s('feature:noise');
    const noise = r.categorical(['quiet', 'street', 'car'], [0.5 - 0.2 * noiseShift, 0.3 + 0.15 * noiseShift, 0.2 + 0.05 * noiseShift]);
    const langShift = s('feature:lang');
    const lang = r.categorical(['en', 'es', 'fr'], [0.7 - 0.2 * langShift, 0.2 + 0.15 * langShift, 0.1 + 0.05 * langShift]);
    const features: Record<string, unknown> = {
      snr_db: r.next() < pMissing ? null : round4(snr),
      volume: r.next() < pMissing ? null : round4(volume),
      noise: r.next() < pMissing ? null : noise,
      lang,
    };
    const input: Record<string, unknown> = { length, features };
    if (this.images) input.image = { brightness: round4(clip01(r.normal(0.55 - 0.06 * s('brightness'), 0.12))) };
    this.push(ts, {
      role: 'inputs',
      topic: this.topics.inputs,
      key: model.id,
      ts,
      value: {
        request_id: requestId,
        model_id: model.id,
        model_version: version,
        ts,
        session_id: session,
        segment: { device, region },
        input,
      },
    });

    const latency = max(1, round(exp(r.normal(4.4 + base.logLatency + 0.18 * s('latency_ms'), 0.3))));
    const isNull = r.next() < 0.03 + 0.06 * s('null_output');
    const phrase = PHRASES[floor(r.next() * PHRASES.length)] as string;
    const confidence = round4(1 / (1 + exp(-r.normal(2.5 + base.logitConfidence - 0.6 * s('confidence'), 1))));
    const outTs = ts + latency;
    this.push(outTs, {
      role: 'outputs',
      topic: this.topics.outputs,
      key: model.id,
      ts: outTs,
      value: {
        request_id: requestId,
        model_id: model.id,
        model_version: version,
        ts: outTs,
        prediction: isNull ? null : phrase,
        confidence,
        latency_ms: latency,
        deployment: 'live',
      },
    });
    const shadowVersion = this.shadow.get(model.id);
    if (shadowVersion !== undefined) {
      const ss = (metric: SimMetric): number => (this.drifts.length === 0 ? 0 : this.shift(metric, model.id, shadowVersion, index, device, region));
      const sLatency = max(1, round(exp(r.normal(4.4 + base.logLatency + 0.18 * ss('latency_ms'), 0.3))));
      const sNull = r.next() < 0.03 + 0.06 * ss('null_output');
      const sConfidence = round4(1 / (1 + exp(-r.normal(2.5 + base.logitConfidence - 0.6 * ss('confidence'), 1))));
      const sTs = ts + sLatency;
      this.push(sTs, {
        role: 'outputs',
        topic: this.topics.outputs,
        key: model.id,
        ts: sTs,
        value: {
          request_id: requestId,
          model_id: model.id,
          model_version: shadowVersion,
          ts: sTs,
          prediction: sNull ? null : phrase,
          confidence: sConfidence,
          latency_ms: sLatency,
          deployment: 'shadow',
        },
      });
    }

    const redone = r.next() < 0.05 + 0.08 * s('redo');
    const explicitRedo = r.next() < 0.5;
    const switched = r.next() < 0.02 + 0.06 * s('switch_to_typing');
    const labelled = r.next() < 0.3;
    const wrong = r.next() < 0.08 + 0.14 * s('error_rate');
    const fbDelay = 1000 + floor(r.next() * 19000);
    if (redone) {
      const gap = 2000 + floor(r.next() * 8000);
      this.pushFollowUp(ts + gap, { model, version, device, region, session });
    }
    if (!this.feedback) return;
    const fb = (action: string, label: string | null, at: number): void => {
      this.push(at, {
        role: 'feedback',
        topic: this.topics.feedback,
        key: model.id,
        ts: at,
        value: { request_id: requestId, model_id: model.id, ts: at, action, label },
      });
    };
    if (redone && explicitRedo) fb('redo', null, ts + 1000 + floor(r.next() * 1000));
    if (switched) fb('switch_to_typing', null, ts + fbDelay);
    if (labelled) {
      const truth = isNull || wrong ? (PHRASES[(PHRASES.indexOf(phrase) + 1) % PHRASES.length] as string) : phrase;
      fb(truth === phrase && !isNull ? 'accept' : 'correct', truth, ts + fbDelay + 500);
    }
  }

  private push(ts: number, record: SimRecord): void {
    this.heapPush({ ts, seq: this.seq++, record });
  }

  private pushFollowUp(ts: number, followUp: NonNullable<Pending['followUp']>): void {
    this.heapPush({ ts, seq: this.seq++, followUp });
  }

  private heapPush(x: Pending): void {
    const h = this.heap;
    let i = h.length;
    h.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Pending;
      if (parent.ts < x.ts || (parent.ts === x.ts && parent.seq < x.seq)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = x;
  }

  private pop(): Pending {
    const h = this.heap;
    const top = h[0] as Pending;
    const last = h.pop() as Pending;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      const less = (a: Pending, b: Pending): boolean => a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        if (l + 1 < n && less(h[l + 1] as Pending, h[l] as Pending)) c = l + 1;
        if (!less(h[c] as Pending, last)) break;
        h[i] = h[c] as Pending;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
