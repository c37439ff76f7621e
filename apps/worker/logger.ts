// Structured JSON logs for the worker, and the Temporal runtime's own log lines through the same
// logger. Fields named like secrets are redacted at the logger: a careless call still cannot
// write a PIN or key bytes.
import { DefaultLogger } from '@temporalio/worker';
import type { LogEntry, LogLevel } from '@temporalio/worker';
import pino from 'pino';
import type { Logger } from 'pino';

const REDACTED_PATHS = ['pin', '*.pin', 'wrappedKey', '*.wrappedKey', '*.*.wrappedKey', 'bytes', '*.bytes', 'blob', '*.blob', 'token', '*.token'];

export function createWorkerLogger(options: { level?: string; component?: string; destination?: pino.DestinationStream } = {}): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level ?? process.env.KEYSYNC_LOG_LEVEL ?? 'info',
    base: { component: options.component ?? 'worker', pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** A Temporal logger that writes through pino (install it with Runtime.install before any worker). */
export function temporalLoggerFor(logger: Logger): DefaultLogger {
  const level = (logger.level.toUpperCase() in PINO_LEVEL ? logger.level.toUpperCase() : 'INFO') as LogLevel;
  return new DefaultLogger(level, (entry: LogEntry) => {
    logger[PINO_LEVEL[entry.level]]({ ...(entry.meta ?? {}), source: 'temporal' }, entry.message);
  });
}
