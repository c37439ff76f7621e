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

/**
 * SDK warnings that describe this design, not a fault: a node agent's worker registers activities
 * only (its member's queue has no workflows, DESIGN 2), and the SDK warns once per agent at start.
 * Shown on every `npm start` they read as trouble, so they are kept at debug.
 */
const EXPECTED_SDK_WARNINGS = new Set(['No workflows registered, not polling for workflow tasks']);

/** A Temporal logger that writes through pino (install it with Runtime.install before any worker). */
export function temporalLoggerFor(logger: Logger): DefaultLogger {
  const level = (logger.level.toUpperCase() in PINO_LEVEL ? logger.level.toUpperCase() : 'INFO') as LogLevel;
  return new DefaultLogger(level, (entry: LogEntry) => {
    const pinoLevel = entry.level === 'WARN' && EXPECTED_SDK_WARNINGS.has(entry.message) ? 'debug' : PINO_LEVEL[entry.level];
    logger[pinoLevel]({ ...(entry.meta ?? {}), source: 'temporal' }, entry.message);
  });
}
