// What `npm start` prints once everything answers: where to go, never a secret.
import type { RunningStack } from './stack';

export function stackBanner(stack: RunningStack): string {
  const lines = [
    '',
    `KeySync is running (state folder ${stack.paths.home})`,
    `  Console        ${consoleUrl(stack.apiUrl)} (sign in with an API token from demo.json)`,
    `  API            ${stack.apiUrl}/v1`,
    `  OpenAPI        ${stack.apiUrl}/v1/openapi.json`,
    `  Temporal UI    ${stack.temporal.uiUrl ?? '(headless)'}`,
    `  Temporal       ${stack.temporal.address} (namespace ${stack.temporal.namespace})`,
    `  Configuration  ${stack.configFile}`,
    `  Demo credentials (API tokens, token PINs, approver keys): ${stack.paths.demo}`,
  ];
  lines.push(`  Logs           ${stack.paths.run}/{${['temporal', ...stack.started].join(',')}}.log (warnings and errors also show here)`);
  for (const { name, entry } of stack.missing) lines.push(`  Not started: the ${name} (${entry} does not exist yet)`);
  lines.push('Press Ctrl-C to stop.', '');
  return lines.join('\n');
}

/**
 * The console's address: the API's own origin, named localhost rather than 127.0.0.1, the host the
 * demo's WebAuthn RP id is (a security key registered there signs only there).
 */
export function consoleUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === '127.0.0.1') url.hostname = 'localhost';
  return `${url.origin}/`;
}
