import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateOpenApiText } from '../../apps/api/openapi/generate-openapi';

describe('OpenAPI spec', () => {
  it('the committed openapi.json is what the code generates (run `npm run openapi` when this fails)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8');
    const generated = await generateOpenApiText();
    expect(generated).toBe(committed);
  });

  it('documents every endpoint of the API under /v1 with bearer auth', async () => {
    const spec = JSON.parse(await generateOpenApiText()) as { paths: Record<string, unknown>; components: { securitySchemes?: Record<string, unknown> } };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/health', '/v1/clusters', '/v1/clusters/{cluster}']));
    expect(spec.components.securitySchemes).toHaveProperty('bearer');
  });
});
