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
    const topicMessages: TopicMessages[] = [];
    if (alerts.length > 0) {
      const messages: Message[] = [];
      for (const a of alerts) {
        try {
          messages.push({ key: a.model_id, value: this.encodeAlert(a), headers: { 'driftwatch-alert-id': a.alert_id } });
        } catch (e) {
          // Encoding is deterministic: retrying cannot help, and holding the stream for it would
          // stop every other alert. Logged with the whole alert so that nothing is lost from view.
          this.encodeFailures++;
          this.options.logger.error({ code: 'DRIFTWATCH_ALERT_ENCODE_FAILED', err: e, alert: a }, 'an alert could not be encoded in the configured alert format; it is logged here instead');
        }
      }
      if (messages.length > 0) topicMessages.push({ topic: this.config.kafka.topics.alerts, messages });
    }
    if (topicMessages.length === 0 && dlq.length === 0) return;
    if (dlq.length > 0) {
      topicMessages.push({
        topic: this.config.kafka.topics.dlq,
        messages: dlq.map((d): Message => ({ key: d.key, value: JSON.stringify(d), headers: { 'driftwatch-error-code': d.error_code } })),
      });
    }
    let delay = this.options.retryDelayMs ?? 200;
    for (;;) {
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
        this.sent.alerts += topicMessages.find((t) => t.topic === this.config.kafka.topics.alerts)?.messages.length ?? 0;
        this.sent.dlq += dlq.length;
        return;
      } catch (e) {
        if (this.closed) throw e;
        this.options.logger.error(
          { code: 'DRIFTWATCH_ALERT_PUBLISH_FAILED', err: e, alerts: alerts.length, dlq: dlq.length, retryInMs: delay },
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
