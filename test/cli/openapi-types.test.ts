import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientTypesPath, generateClientTypesText } from '../../apps/api/openapi/generate-client-types';
import { repoRoot } from '../../libs/config/paths';

describe('the generated API client types (CLI and console)', () => {
  it('are what openapi-typescript generates from the committed openapi.json (run `npm run openapi` when this fails)', async () => {
    const spec = readFileSync(join(repoRoot(), 'openapi.json'), 'utf8');
    const committed = readFileSync(join(repoRoot(), clientTypesPath), 'utf8');
    expect(await generateClientTypesText(spec)).toBe(committed);
  });

  it('type a package body as bytes, not as a string', async () => {
    const types = await generateClientTypesText(readFileSync(join(repoRoot(), 'openapi.json'), 'utf8'));
    expect(types).toMatch(/"application\/octet-stream": Uint8Array;/);
    expect(types).not.toMatch(/"application\/octet-stream": string;/);
  });
});
