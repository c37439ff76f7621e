// Entry point of `npm run api` and of the stack's API child process. Reads the configuration
// named by KEYSYNC_CONFIG (else <state folder>/config.json), listens on KEYSYNC_API_PORT (else the
// configured port), over HTTPS when api.tls is set, and shuts down cleanly on SIGTERM/SIGINT
// (enableShutdownHooks in createApi).
import 'reflect-metadata';
import { configPath, loadConfig } from '../../libs/config';
import { createApi } from './create-api';
import { ApiLogger, createLogger } from './logging/logger';

function portFrom(configured: number): number {
  const fromEnv = process.env.KEYSYNC_API_PORT;
  if (fromEnv === undefined || fromEnv === '') return configured;
  const port = Number(fromEnv);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`KEYSYNC_API_PORT must be a port number (0-65535); it is "${fromEnv}".`);
  }
  return port;
}

async function main(): Promise<void> {
  const logger = new ApiLogger(createLogger());
  const path = configPath();
  const config = loadConfig(path, process.env, { apiTlsFiles: true });
  const port = portFrom(config.api.port);
  const host = process.env.KEYSYNC_API_HOST ?? '127.0.0.1';
  const app = await createApi(config, { logger });
  await app.listen(port, host);
  logger.pino.info({ url: await app.getUrl(), config: path, temporal: config.temporal.address, temporalTls: config.temporal.tls !== undefined }, 'api listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`keysync api could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
