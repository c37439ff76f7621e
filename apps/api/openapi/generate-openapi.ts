// Builds the OpenAPI document without a server: the app is created (never listened on) over a
// configuration with no clusters, whose lazy Temporal client never connects.
import type { KeySyncConfig } from '../../../libs/config/types';
import { createApi } from '../create-api';
import { ApiLogger, createLogger } from '../logging/logger';
import { buildOpenApiDocument, stableJson } from './openapi-document';

const specOnlyConfig: KeySyncConfig = {
  temporal: { address: '127.0.0.1:1', namespace: 'default' },
  api: { port: 0 },
  packageStore: { dir: '.keysync/packages' },
  auditArchive: { dir: '.keysync/audit' },
  clusters: [],
  principals: [],
};

/** The text of openapi.json as the current code defines it. */
export async function generateOpenApiText(): Promise<string> {
  const app = await createApi(specOnlyConfig, { logger: new ApiLogger(createLogger({ level: 'silent' })) });
  try {
    await app.init();
    return stableJson(buildOpenApiDocument(app));
  } finally {
    await app.close();
  }
}
