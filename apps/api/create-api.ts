// Builds the API application for main.ts, the tests and the OpenAPI script alike, so what the
// tests exercise is what runs.
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { KeySyncConfig } from '../../libs/config/types';
import { readTlsMaterial } from '../../libs/tls/tls-files';
import { AppModule } from './app.module';
import type { ApiRuntimeOptions } from './config/api-config';
import { jsonBodyLimit, packageBodyLimit } from './http/body-limits';
import { methodNotAllowed } from './http/method-not-allowed';
import { requestContext } from './http/request-context';
import { serverTiming } from './http/server-timing';
import { ApiLogger, createLogger, PinoNestLogger } from './logging/logger';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { consoleAssets } from './console/console-assets';


export interface CreateApiOptions extends ApiRuntimeOptions {
  logger?: ApiLogger;
}

export async function createApi(config: KeySyncConfig, options: CreateApiOptions = {}): Promise<INestApplication> {
  const logger = options.logger ?? new ApiLogger(createLogger());
  // HTTPS when api.tls is set: the files are read (and checked: a TlsFileError names a bad one) before the server exists.
  const tls = config.api.tls ? readTlsMaterial(config.api.tls, 'api.tls') : undefined;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger, { orchestratorTaskQueue: options.orchestratorTaskQueue }), {
    bodyParser: false,
    logger: new PinoNestLogger(logger.pino),
    ...(tls ? { httpsOptions: { cert: tls.cert, key: tls.key } } : {}),
  });
  // No `X-Powered-By: Express` on every answer: the framework is nobody's business.
  app.disable('x-powered-by');
  // Built once, at the first request that needs it (the app has its routes by then).
  let document: OpenAPIObject | undefined;
  const spec = (): OpenAPIObject => (document ??= buildOpenApiDocument(app));
  // Before the body parser, so even a malformed body gets a correlation id.
  app.use(requestContext(logger.pino));
  // The console at `/` and `/assets/*` only: every other path reaches the API's routes.
  app.use(consoleAssets());
  app.use(methodNotAllowed(spec));
  app.useBodyParser('json', { limit: jsonBodyLimit });
  app.useBodyParser('raw', { type: 'application/octet-stream', limit: packageBodyLimit });
  // After the body parsers, so the handler's Temporal calls are timed in the request's own context.
  app.use(serverTiming());
  // /metrics stays at the root, where Prometheus scrapers look for it.
  app.setGlobalPrefix('v1', { exclude: ['metrics'] });
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, spec, {
    jsonDocumentUrl: 'v1/openapi.json',
    raw: ['json'],
  });
  return app;
}
