// Structured JSON logs. Authorization headers and anything named like a secret are redacted at
// the logger, so a careless log call still cannot write a token, a PIN or key bytes.
import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

const redactedPaths = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  '*.token',
  '*.pin',
  '*.signature',
  '*.webauthn',
  '*.attestationObject',
  '*.wrappedKey',
  'token',
  'pin',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level ?? process.env.KEYSYNC_LOG_LEVEL ?? 'info',
    base: { component: 'api' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** The pino logger as an injectable class (DI needs a class token, pino's Logger is an interface). */
export class ApiLogger {
  constructor(readonly pino: Logger) {}
}

/** Nest's own log lines (startup, route mapping, uncaught errors) through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
