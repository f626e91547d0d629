/**
 * How alerts become message values: JSON (the default, DESIGN §2.2), or plain Avro binary of
 * schemas/drift-alert.avsc when `kafka.alertFormat` is `avro` (no Confluent framing).
 */
import type { DriftAlert } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import { encodeAlert as encodeAvroAlert } from '../ingest/event-encoder';

/** Turns an alert into message bytes. */
export type AlertEncoder = (alert: DriftAlert) => Buffer;

export const jsonAlertEncoder: AlertEncoder = (alert) => Buffer.from(JSON.stringify(alert));

/**
 * The encoder for the configured alert format. Alerts come from worker threads by structured clone,
 * i.e. built in the main realm; avro-js checks arrays with `instanceof Array`, which fails when this
 * module runs in another realm (a vm sandbox, jest). A JSON copy (alerts are few and small) makes
 * the Avro encoding realm-proof.
 */
export function alertEncoderFor(config: Readonly<DriftwatchConfig>): AlertEncoder {
  if (config.kafka.alertFormat === 'json') return jsonAlertEncoder;
  return (a) => Buffer.from(encodeAvroAlert(JSON.parse(JSON.stringify(a)) as DriftAlert, 'avro'));
}
