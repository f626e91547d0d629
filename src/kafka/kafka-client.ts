import { readPem } from '../config/read-pem';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, KafkaConfig, logLevel, LogEntry, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { DriftwatchConfig } from '../config/config-types';

/**
 * The kafkajs client built from the effective config. kafkajs' own log lines are routed into the
 * service's pino logger (pass a child logger, e.g. component `kafkajs`) so that one JSON stream carries everything and the
 * redaction rules of src/logging.ts apply to them too.
 */
export function createKafka(config: Readonly<DriftwatchConfig>, logger: Logger): Kafka {
  const kafkaConfig: KafkaConfig = {
    clientId: config.kafka.clientId,
    brokers: [...config.kafka.brokers],
    logLevel: kafkajsLevel(config.log.level),
    logCreator: () => (entry: LogEntry) => logKafkajsEntry(logger, entry),
  };
  const ssl = tlsOptions(config.kafka.ssl);
  if (ssl !== undefined) kafkaConfig.ssl = ssl;
  if (config.kafka.sasl) kafkaConfig.sasl = saslOptions(config.kafka.sasl);
  return new Kafka(kafkaConfig);
}

/** kafkajs is chatty at INFO (every join, every commit): it logs one level below the service. */
function kafkajsLevel(level: DriftwatchConfig['log']['level']): logLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return logLevel.INFO;
    case 'info':
    case 'warn':
      return logLevel.WARN;
    case 'error':
    case 'fatal':
      return logLevel.ERROR;
    case 'silent':
      return logLevel.NOTHING;
  }
}

function logKafkajsEntry(logger: Logger, entry: LogEntry): void {
  const { message, ...fields } = entry.log;
  const bindings = { namespace: entry.namespace, ...fields };
  // kafkajs' Connection logs every error RESPONSE at ERROR, also the ones it retries by itself
  // (a rebalance in progress, a coordinator loading, a transaction still completing). Failures that
  // matter reach driftwatch as exceptions and are logged there with a code; these are debug noise.
  // Likewise its Producer logs each attempt of a send it is about to retry (`retryCount` set), e.g.
  // CONCURRENT_TRANSACTIONS while the coordinator still completes the previous transaction.
  const retried = entry.namespace === 'Producer' && message.startsWith('Failed to send messages') && typeof fields.retryCount === 'number';
  if (entry.level === logLevel.ERROR && ((entry.namespace === 'Connection' && message.startsWith('Response ')) || retried)) {
    logger.debug(bindings, message);
    return;
  }
  switch (entry.level) {
    case logLevel.ERROR:
      logger.error(bindings, message);
      break;
    case logLevel.WARN:
      logger.warn(bindings, message);
      break;
    case logLevel.INFO:
      logger.debug(bindings, message);
      break;
    default:
      logger.trace(bindings, message);
  }
}

const pem = (value: string | undefined, option: string): string | undefined => readPem(value, `kafka.ssl.${option}`, 'DRIFTWATCH_KAFKA_TLS_FILE_UNREADABLE');

function tlsOptions(ssl: DriftwatchConfig['kafka']['ssl']): boolean | ConnectionOptions | undefined {
  if (ssl === undefined || typeof ssl === 'boolean') return ssl;
  const options: ConnectionOptions = {};
  const ca = pem(ssl.ca, 'ca');
  const cert = pem(ssl.cert, 'cert');
  const key = pem(ssl.key, 'key');
  if (ca !== undefined) options.ca = [ca];
  if (cert !== undefined) options.cert = cert;
  if (key !== undefined) options.key = key;
  if (ssl.rejectUnauthorized !== undefined) options.rejectUnauthorized = ssl.rejectUnauthorized;
  return options;
}

function saslOptions(sasl: NonNullable<DriftwatchConfig['kafka']['sasl']>): SASLOptions {
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
}
