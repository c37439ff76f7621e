// What `npm start` prints once everything answers: where to go, never a secret.
import type { RunningStack } from './stack';

export function stackBanner(stack: RunningStack): string {
  const lines = [
    '',
    `KeySync is running (state folder ${stack.paths.home})`,
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
