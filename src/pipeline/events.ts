/**
 * Events after decoding and validation (DESIGN.md §2.1). Decoders produce these from raw bytes;
 * the engine consumes them. Field names are camelCase here; the wire format is snake_case.
 */

/** A user-named input feature value after decoding: number, string (categorical) or missing. */
export type FeatureValue = number | string | boolean | null;

interface EventBase {
  requestId: string;
  modelId: string;
  /** Event time, ms since epoch. */
  ts: number;
}

export interface InputEvent extends EventBase {
  type: 'input';
  modelVersion: string;
  sessionId: string | null;
  /** Slice dimensions, e.g. { device: 'android', region: 'eu' }; string values only. */
  segment: Readonly<Record<string, string>>;
  /** `input.length`, else the character length of `input.text`, else null. */
  length: number | null;
  /** Mean luminance in [0, 1]: `input.image.brightness`, else computed from `input.image.data`, else null. */
  brightness: number | null;
  /** `input.features`, as given (a null-prototype object: keys like __proto__ are plain data). */
  features: Readonly<Record<string, FeatureValue>>;
}

export type Deployment = 'live' | 'shadow' | 'canary';

export interface OutputEvent extends EventBase {
  type: 'output';
  modelVersion: string;
  /** True when `prediction` is null, "" or []. */
  nullOutput: boolean;
  /** The prediction reduced to a comparable string (for labels → error_rate), or null. */
  prediction: string | null;
  confidence: number | null;
  latencyMs: number | null;
  deployment: Deployment;
}

export type FeedbackAction = 'redo' | 'switch_to_typing' | 'accept' | 'correct';

export interface FeedbackEvent extends EventBase {
  type: 'feedback';
  action: FeedbackAction | null;
  /** Ground truth as a comparable string, or null. */
  label: string | null;
}

export type InferenceEvent = InputEvent | OutputEvent | FeedbackEvent;
