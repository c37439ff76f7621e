// Runs versitygw (Apache-2.0) as a child process: a real S3 server on a POSIX folder, whose
// subfolders are the buckets and whose files are the objects. The tests' package store, and the
// production-shape start's. Root credentials reach it through its environment (ROOT_ACCESS_KEY,
// ROOT_SECRET_KEY), never its command line, which any local user can read.
import { mkdirSync } from 'node:fs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { newS3Client } from '../package-store/s3-client';
import { spawnWatched } from '../child-process';
import type { WatchedProcess } from '../child-process';
import { freePort, isPortFree } from '../config/ports';
import { requireVersitygw } from './find-versitygw';

export interface S3ServerOptions {
  /** The POSIX backend: each subfolder a bucket. Created when missing. */
  dataDir: string;
  /** Root credentials: what clients sign with. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Loopback port; default: a free one. A restart passes the port it had, so clients find it again. */
  port?: number;
  /** Buckets made once it answers (existing ones are kept). */
  buckets?: string[];
  /** Default us-east-1. */
  region?: string;
  /** Path of the binary; default: found by requireVersitygw. */
  binPath?: string;
  /** Where its output goes (appended); without it only the last lines are kept, for errors. */
  logFile?: string;
  startTimeoutMs?: number;
  /** Its own process group, so a Ctrl-C reaches only the parent, which stops it in order. */
  ownProcessGroup?: boolean;
}

export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  region: string;
  dataDir: string;
  pid: number;
  /** Settles when the process has exited (after stop(), or on its own). */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const HOST = '127.0.0.1';

/** Any HTTP answer (an unsigned request gets 403) means the S3 API is listening. */
async function waitForAnswer(endpoint: string, server: WatchedProcess, deadline: number): Promise<void> {
  let lastError = '';
  while (Date.now() < deadline && !server.hasExited()) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(server.hasExited() ? 'versitygw exited before it answered.' : `versitygw did not answer on ${endpoint} (last error: ${lastError}).`);
}

async function createBuckets(options: S3ServerOptions, endpoint: string, region: string): Promise<void> {
  const client = newS3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
  });
  try {
    for (const bucket of options.buckets ?? []) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        const code = (error as { name?: string }).name;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') {
          throw new Error(`versitygw refused to create bucket "${bucket}" (${code ?? 'no error code'}).`);
        }
      }
    }
  } finally {
    client.destroy();
  }
}

/** Starts versitygw on the folder and returns once it answers and has the buckets. On any failure it is stopped first. */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const binPath = options.binPath ?? requireVersitygw();
  const region = options.region ?? 'us-east-1';
  const port = options.port ?? (await freePort(HOST));
  if (options.port !== undefined && !(await isPortFree(port, HOST))) {
    throw new Error(`Port ${port} on ${HOST} is already in use: stop whatever listens there, or let versitygw take a free port.`);
  }
  mkdirSync(options.dataDir, { recursive: true });
  const endpoint = `http://${HOST}:${port}`;
  const server = await spawnWatched(binPath, ['--port', `${HOST}:${port}`, '--region', region, '--quiet', 'posix', options.dataDir], {
    detached: options.ownProcessGroup ?? false,
    // Only what it needs: no stray VGW_* setting of the caller changes how it runs.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ROOT_ACCESS_KEY: options.accessKeyId,
      ROOT_SECRET_KEY: options.secretAccessKey,
    },
  }, { what: `versitygw at ${binPath}`, ...(options.logFile ? { logFile: options.logFile } : {}) });
  const { stop } = server;
  try {
    await waitForAnswer(endpoint, server, Date.now() + (options.startTimeoutMs ?? 30_000));
    await createBuckets(options, endpoint, region);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message} Its output:\n${server.outputTail()}`);
  }
  return { endpoint, port, region, dataDir: options.dataDir, pid: server.pid, exited: server.exited.then(() => undefined), stop };
}
