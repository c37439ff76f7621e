// `npm run openapi`: writes the spec generated from the code to openapi.json at the repository
// root (or the path given), where it is committed, then the client types of the CLI and the console generated from that
// spec (to libs/api-client/openapi-types.ts, or the second path given), so both change together.
// test/api/openapi-spec.test.ts and test/cli/openapi-types.test.ts fail when either is stale.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { clientTypesPath, generateClientTypesText } from './generate-client-types';
import { generateOpenApiText } from './generate-openapi';

const target = resolve(process.argv[2] ?? 'openapi.json');
const typesTarget = resolve(process.argv[3] ?? clientTypesPath);

async function writeSpecAndTypes(): Promise<void> {
  const spec = await generateOpenApiText();
  writeFileSync(target, spec);
  process.stdout.write(`wrote ${target}\n`);
  writeFileSync(typesTarget, await generateClientTypesText(spec));
  process.stdout.write(`wrote ${typesTarget}\n`);
}

writeSpecAndTypes().catch((error: unknown) => {
  process.stderr.write(`could not generate the OpenAPI spec or the client types: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
