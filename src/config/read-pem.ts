import { readFileSync } from 'node:fs';
import { DriftwatchError } from '../../detectors/errors';

/**
 * A TLS option's value (kafka.ssl.*, redis.tls.*): PEM text (anything containing `-----BEGIN`) is
 * taken as is; anything else is the path of a PEM file (config files usually name certificate
 * files), read once here. An unreadable file is a coded error naming the option and the path, never
 * the content.
 */
export function readPem(value: string | undefined, option: string, code: 'DRIFTWATCH_KAFKA_TLS_FILE_UNREADABLE' | 'DRIFTWATCH_RETRAIN_REDIS_TLS_FILE_UNREADABLE'): string | undefined {
  if (value === undefined) return undefined;
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (e) {
    throw new DriftwatchError(code, `${option}: cannot read the PEM file ${value}: ${(e as Error).message}`, { cause: e, details: { option, file: value } });
  }
}
