/**
 * Produces the service's outputs: DriftAlerts to `kafka.topics.alerts` (key = model_id; JSON, or
 * Avro with schemas/drift-alert.avsc when `kafka.alertFormat` is 'avro') and rejected records to
 * `kafka.topics.dlq` (key = the record's key; value = the DlqEntry JSON with its error code and
 * source coordinates). The producer is idempotent with one request in flight, so kafkajs' own
 * retries neither duplicate nor reorder what one publish() sends.
 *
 * publish() resolves only once the broker acknowledged everything (acks = all); the consumer
 * commits input offsets after that (at-least-once). A failed send is retried with backoff until it
 * succeeds or the publisher is closed, so a slow or unavailable alert topic backs the stream up
 * (shards pause) instead of dropping alerts.
 */
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import type { DlqEntry, DriftAlert } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';

/** Turns an alert into message bytes; JSON unless the config asks for Avro. */
export type AlertEncoder = (alert: DriftAlert) => Buffer;

/** Bytes of message values per produce request (the broker's default limit per record batch is 1 MB). */
const CHUNK_BYTES = 256 * 1024;

export const jsonAlertEncoder: AlertEncoder = (alert) => Buffer.from(JSON.stringify(alert));

export interface AlertPublisherOptions {
  logger: Logger;
  /** Overrides the encoder chosen from `kafka.alertFormat` (the Avro encoder is passed in by the service). */
  encodeAlert?: AlertEncoder;
  /** First retry delay of a failed send; doubles up to 5 s. Default 200 ms. */
  retryDelayMs?: number;
}

export class AlertPublisher {
  private readonly producer: Producer;
  private readonly encodeAlert: AlertEncoder;
  private closed = false;
  /** Alerts and DLQ entries acknowledged by the broker since start. */
  readonly sent = { alerts: 0, dlq: 0 };
  /** Alerts that could not be encoded (logged with DRIFTWATCH_ALERT_ENCODE_FAILED, not produced). */
  encodeFailures = 0;

  constructor(
    kafka: Kafka,
    private readonly config: Readonly<DriftwatchConfig>,
    private readonly options: AlertPublisherOptions,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    if (options.encodeAlert) this.encodeAlert = options.encodeAlert;
    else if (config.kafka.alertFormat === 'json') this.encodeAlert = jsonAlertEncoder;
    else throw new DriftwatchError('DRIFTWATCH_ALERT_ENCODER_MISSING', 'kafka.alertFormat is avro but no Avro alert encoder was given', { details: { alertFormat: config.kafka.alertFormat } });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async publish(alerts: readonly DriftAlert[], dlq: readonly DlqEntry[]): Promise<void> {
    if (alerts.length === 0 && dlq.length === 0) return;
    const items: { topic: string; message: Message; bytes: number }[] = [];
    for (const a of alerts) {
      try {
        const value = this.encodeAlert(a);
        items.push({ topic: this.config.kafka.topics.alerts, message: { key: a.model_id, value, headers: { 'driftwatch-alert-id': a.alert_id } }, bytes: value.length });
      } catch (e) {
        // Encoding is deterministic: retrying cannot help, and holding the stream for it would
        // stop every other alert. Logged with the whole alert so that nothing is lost from view.
        this.encodeFailures++;
        this.options.logger.error({ code: 'DRIFTWATCH_ALERT_ENCODE_FAILED', err: e, alert: a }, 'an alert could not be encoded in the configured alert format; it is logged here instead');
      }
    }
    for (const d of dlq) {
      const value = JSON.stringify(d);
      items.push({ topic: this.config.kafka.topics.dlq, message: { key: d.key, value, headers: { 'driftwatch-error-code': d.error_code } }, bytes: value.length });
    }
    // A produce request carries each topic-partition's messages as one record batch, which the
    // broker refuses above its max message size (1 MB by default): send in chunks well below it,
    // in order.
    let chunk: typeof items = [];
    let chunkBytes = 0;
    for (const item of items) {
      if (chunk.length > 0 && chunkBytes + item.bytes > CHUNK_BYTES) {
        await this.send(chunk);
        chunk = [];
        chunkBytes = 0;
      }
      chunk.push(item);
      chunkBytes += item.bytes + 64;
    }
    if (chunk.length > 0) await this.send(chunk);
  }

  private async send(items: readonly { topic: string; message: Message }[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of items) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    let delay = this.options.retryDelayMs ?? 200;
    for (;;) {
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
        this.sent.alerts += byTopic.get(this.config.kafka.topics.alerts)?.length ?? 0;
        this.sent.dlq += byTopic.get(this.config.kafka.topics.dlq)?.length ?? 0;
        return;
      } catch (e) {
        if (this.closed) throw e;
        if ((e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE' && items.length === 1) {
          // One message larger than the broker accepts (a huge rejected record in a DLQ entry):
          // retrying cannot help. Logged without its value so the log line stays small.
          const { topic, message } = items[0]!;
          this.options.logger.error({ code: 'DRIFTWATCH_ALERT_PUBLISH_FAILED', topic, key: message.key?.toString(), bytes: String(message.value ?? '').length }, 'a message is larger than the broker accepts; it is not produced');
          return;
        }
        if ((e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') {
          const half = Math.ceil(items.length / 2);
          await this.send(items.slice(0, half));
          await this.send(items.slice(half));
          return;
        }
        this.options.logger.error(
          { code: 'DRIFTWATCH_ALERT_PUBLISH_FAILED', err: e, messages: items.length, retryInMs: delay },
          'producing alerts/DLQ entries failed; retrying (input offsets stay uncommitted meanwhile)',
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(5000, delay * 2);
      }
    }
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    await this.producer.disconnect();
  }
}
