// Replays histories against this checkout's workflow code, offline (no Temporal server): a
// history that the code would not have produced, or that was edited, fails with a determinism
// error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Replayer } from './audit-verify';

/** workflows/index beside this program: compiled JS under dist/, or the TypeScript source when run from source. */
export function workflowCodePath(): string {
  const base = join(__dirname, '..', '..', 'workflows', 'index');
  for (const extension of ['.js', '.ts']) {
    if (existsSync(base + extension)) return base + extension;
  }
  throw new Error(`The workflow code is missing: neither ${base}.js nor ${base}.ts exists. Run \`npm run build\`.`);
}

let runtimeInstalled = false;

export const replayHistories: Replayer = async (histories) => {
  if (!runtimeInstalled) {
    // The replay worker's own chatter (bundling, eviction notices) is not the auditor's report.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const errors: Array<string | null> = [];
  try {
    const results = Worker.runReplayHistories({ workflowsPath: workflowCodePath(), replayName: 'keysync-audit-verify' }, histories);
    for await (const result of results) {
      errors.push(result.error ? `${result.error.name}: ${result.error.message}` : null);
    }
  } catch (error) {
    // A history the replayer cannot even load fails, and so does every one after it: none was proven.
    const message = `could not replay: ${error instanceof Error ? error.message : String(error)}`;
    while (errors.length < histories.length) errors.push(message);
  }
  return errors;
};
