// One real Temporal dev server for the whole test run (DESIGN section 10): headless, in memory,
// on a free port, with KeySync's search attributes. Tests reach it through inject('temporalAddress')
// or KEYSYNC_TEST_TEMPORAL_ADDRESS, and keep apart by using their own task queues and workflow ids.
import type { TestProject } from 'vitest/node';
import { freePort } from '../libs/config/ports';
import { findTemporalCli } from '../libs/temporal/find-cli';
import { startDevServer } from '../libs/temporal/dev-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the run's Temporal dev server (namespace "default"). */
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cliPath = findTemporalCli();
  if (!cliPath) {
    throw new Error(
      'The Temporal CLI was not found (TEMPORAL_CLI, `temporal` on the PATH, or ~/.cache/keysync/temporal-v1.5.1/temporal). ' +
        'Run `npm test`, which finds or builds it before running vitest.',
    );
  }
  const server = await startDevServer({ cliPath, port: await freePort(), headless: true, startTimeoutMs: 120_000 });
  project.provide('temporalAddress', server.address);
  process.env.KEYSYNC_TEST_TEMPORAL_ADDRESS = server.address;
  return async () => {
    await server.stop();
  };
}
