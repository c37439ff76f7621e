// `npm run temporal`: the embedded Temporal dev server alone (SQLite file in the state folder,
// Web UI on), for running the worker and the API by hand.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { statePaths, stateDir } from '../../libs/config/paths';
import { stackPorts } from '../../libs/config/ports';
import { startDevServer } from '../../libs/temporal/dev-server';
import { claimRunDir, removePidFile, writePidFile } from './pid-files';

async function main(): Promise<void> {
  const paths = statePaths(stateDir());
  const ports = stackPorts();
  mkdirSync(paths.run, { recursive: true, mode: 0o700 });
  claimRunDir(paths.run);
  const server = await startDevServer({
    port: ports.temporal,
    uiPort: ports.ui,
    dbFile: paths.temporalDb,
    logFile: join(paths.run, 'temporal.log'),
    ownProcessGroup: true,
  });
  writePidFile(paths.run, 'temporal', server.pid);
  process.stdout.write(
    `\nTemporal dev server on ${server.address} (namespace ${server.namespace}), Web UI ${server.uiUrl ?? '(headless)'}\n` +
      `  database ${paths.temporalDb}, log ${join(paths.run, 'temporal.log')}\nPress Ctrl-C to stop.\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server.stop().then(() => {
      removePidFile(paths.run, 'temporal');
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await server.exited;
  if (!stopping) {
    removePidFile(paths.run, 'temporal');
    process.stderr.write(`[keysync] the Temporal dev server exited on its own; see ${join(paths.run, 'temporal.log')}\n`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[keysync] could not start Temporal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
