// One real Temporal dev server for the whole test run (DESIGN section 10): headless, in memory,
// on a free port, with KeySync's search attributes. Tests reach it through inject('temporalAddress')
// or KEYSYNC_TEST_TEMPORAL_ADDRESS, and keep apart by using their own task queues and workflow ids.
// Beside it, one real S3 server (versitygw) for the package store tests: inject('s3').
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../libs/config/ports';
import { findTemporalCli } from '../libs/temporal/find-cli';
import { startDevServer } from '../libs/temporal/dev-server';
import { startS3Server } from '../libs/s3-server';
import { findVersitygw } from '../libs/s3-server/find-versitygw';
import { TEST_S3_ENV } from './support/s3';
import type { TestS3 } from './support/s3';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the run's Temporal dev server (namespace "default"). */
    temporalAddress: string;
    /** The run's S3 server (versitygw on a POSIX folder): endpoint, bucket, root credentials. */
    s3: TestS3;
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
  let s3: Awaited<ReturnType<typeof startRunS3>>;
  try {
    s3 = await startRunS3();
  } catch (error) {
    await server.stop();
    throw error;
  }
  project.provide('s3', s3.context);
  return async () => {
    await s3.stop();
    await server.stop();
  };
}

/**
 * One versitygw for the run, on a folder of its own, with one bucket; tests keep apart by prefix.
 * Its root credentials are random per run and exported as variables, so configurations name them
 * as {env} sources the way an operator's would.
 */
async function startRunS3(): Promise<{ context: TestS3; stop(): Promise<void> }> {
  const binPath = findVersitygw();
  if (!binPath) {
    throw new Error(
      'versitygw was not found (VERSITYGW, `versitygw` on the PATH, or ~/.cache/keysync/versitygw-v1.8.0/versitygw). ' +
        'Run `npm test`, which finds or builds it before running vitest.',
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'keysync-s3-'));
  const context: TestS3 = {
    endpoint: '',
    region: 'us-east-1',
    bucket: 'keysync-test',
    dataDir,
    accessKeyId: `run${randomBytes(6).toString('hex')}`,
    secretAccessKey: `secret${randomBytes(16).toString('hex')}`,
  };
  const s3 = await startS3Server({ binPath, dataDir, accessKeyId: context.accessKeyId, secretAccessKey: context.secretAccessKey, buckets: [context.bucket], region: context.region });
  context.endpoint = s3.endpoint;
  process.env[TEST_S3_ENV.accessKeyId] = context.accessKeyId;
  process.env[TEST_S3_ENV.secretAccessKey] = context.secretAccessKey;
  return {
    context,
    async stop() {
      await s3.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
