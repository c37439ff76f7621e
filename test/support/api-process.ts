// The API as the stack runs it: `node dist/apps/api/main.js` as a child process, with the
// environment the test gives (KEYSYNC_CONFIG, KEYSYNC_API_PORT). Compiled, not run through tsx:
// NestJS needs the decorator metadata that only tsc emits.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../libs/config/paths';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : entry.name.endsWith('.ts') ? statSync(path).mtimeMs : 0);
  }
  return newest;
}

/** dist/apps/api/main.js, refused when older than the API's sources (npm test builds first). */
export function compiledApiEntry(): string {
  const entry = join(repoRoot(), 'dist', 'apps', 'api', 'main.js');
  let built = 0;
  try {
    built = statSync(entry).mtimeMs;
  } catch {
    built = 0;
  }
  if (built < newestSource(join(repoRoot(), 'apps', 'api'))) {
    throw new Error(`${entry} is missing or older than apps/api: run \`npm run build\` (npm test does it) before this test.`);
  }
  return entry;
}

export interface RunningApi {
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
}

export function runApi(env: NodeJS.ProcessEnv): RunningApi {
  const child = spawn(process.execPath, [compiledApiEntry()], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { output: () => output, exited, kill: (signal) => child.kill(signal) };
}
