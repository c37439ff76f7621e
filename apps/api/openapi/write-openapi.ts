// `npm run openapi`: writes the spec generated from the code to openapi.json at the repository
// root (or the path given), where it is committed; test/api/openapi-spec.test.ts fails when stale.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiText } from './generate-openapi';

const target = resolve(process.argv[2] ?? 'openapi.json');
generateOpenApiText()
  .then((text) => {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${target}\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(`could not generate the OpenAPI spec: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
