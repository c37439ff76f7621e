// What `npm run start:production` prints once everything answers: the block `npm start` prints
// (apps/stack/banner.ts), with both Temporal frontends and the Web UI; never a secret.
import { consoleUrl } from '../banner';
import type { ProductionStack } from './production-stack';

export function productionBanner(stack: ProductionStack): string {
  return [
    '',
    `KeySync is running, production shape (state folder ${stack.paths.home})`,
    `  Console        ${consoleUrl(stack.apiUrl)} (sign in with an API token from demo.json)`,
    `  API            ${stack.apiUrl}/v1`,
    `  OpenAPI        ${stack.apiUrl}/v1/openapi.json`,
    `  Temporal UI    ${stack.temporalUiUrl}`,
    `  Temporal       ${stack.temporalAddresses.join(', ')} (namespace ${stack.namespace}, mutual TLS; CA ${stack.paths.tls}/ca)`,
    `  Configuration  ${stack.configFile} (agents: ${stack.paths.hosts}/<member>/agent.json)`,
    `  Demo credentials (API tokens, token PINs, approver keys): ${stack.paths.demo}`,
    `  Logs           ${stack.paths.run}/{${stack.parts.join(',')}}.log (warnings and errors also show here)`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
