// The API's client types, generated from the committed openapi.json by openapi-typescript: `paths`
// and `components` for openapi-fetch, so neither the CLI nor the console restates a response shape
// by hand.
// `npm run openapi` writes them beside the spec; test/cli/openapi-types.test.ts fails when stale.
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';

/** Where the generated types are committed, relative to the repository root. */
export const clientTypesPath = 'libs/api-client/openapi-types.ts';

const header = `${COMMENT_HEADER}// Generated from openapi.json by \`npm run openapi\` (apps/api/openapi/generate-client-types.ts).\n\n`;

// openapi-typescript types a binary body as string (its browser default); the CLI runs on Node
// and sends and receives package bytes, so a binary schema is a Uint8Array.
const bytes = ts.factory.createTypeReferenceNode('Uint8Array');

/**
 * A `oneOf` whose branches only list required fields (the approval's "signature or webauthn, exactly
 * one") is a rule the API validates, not a shape: openapi-typescript would type each branch as
 * `unknown`, and `T & (unknown | unknown)` says nothing but fails lint. The fields stay optional in
 * the types; the API answers 400 when the rule is broken.
 */
function withoutRequiredOnlyChoices(spec: OpenAPI3): OpenAPI3 {
  for (const schema of Object.values(spec.components?.schemas ?? {})) {
    if ('oneOf' in schema && schema.oneOf?.every((branch) => Object.keys(branch).every((key) => key === 'required'))) delete schema.oneOf;
  }
  return spec;
}

/** The text of the generated types file for the given openapi.json text. */
export async function generateClientTypesText(specText: string): Promise<string> {
  const spec = withoutRequiredOnlyChoices(JSON.parse(specText) as OpenAPI3);
  const nodes = await openapiTS(spec, {
    silent: true,
    transform: (schema) => (schema.format === 'binary' ? bytes : undefined),
  });
  return header + astToString(nodes);
}
