// The pid files a running production shape writes in run/: every process by name, for the tests
// that kill them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every process of the shape, by its pid file's name, in start order. */
export const PRODUCTION_PARTS = ['postgresql', 'temporal-1', 'temporal-2', 'ui', 's3', 'api', 'orchestrator-1', 'orchestrator-2', 'agent-node1', 'agent-node2', 'agent-node3'];

/** run/<name>.pid of the state folder, by name. */
export function pidFiles(home: string): Record<string, number> {
  const run = join(home, 'run');
  return Object.fromEntries(
    readdirSync(run)
      .filter((name) => name.endsWith('.pid'))
      .map((name) => [name.replace(/\.pid$/, ''), Number(readFileSync(join(run, name), 'utf8').trim())]),
  );
}
