import pino, { type Logger } from 'pino';
import { readVariable } from './config';

export type { Logger };

/**
 * JSON logs, one line per event; message id and agency code go in as fields, not in text.
 * Level: LOG_LEVEL (schema default `info`) unless given.
 */
export function createLogger(service: string, level: string = readVariable(process.env, 'LOG_LEVEL')): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
