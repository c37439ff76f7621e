// Runs versitygw (Apache-2.0) as a child process: a real S3 server on a POSIX folder, whose
// subfolders are the buckets and whose files are the objects. The tests' package store, and the
// production-shape start's. Root credentials reach it through its environment (ROOT_ACCESS_KEY,
// ROOT_SECRET_KEY), never its command line, which any local user can read.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
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
const OUTPUT_TAIL_LINES = 30;

function outputTail(child: ChildProcess, logFile: string | undefined): () => string {
  const lines: string[] = [];
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
  const keep = (chunk: Buffer): void => {
    log?.write(chunk);
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
    lines.splice(0, Math.max(0, lines.length - OUTPUT_TAIL_LINES));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => log?.end());
  return () => lines.join('\n');
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Any HTTP answer (an unsigned request gets 403) means the S3 API is listening. */
async function waitForAnswer(endpoint: string, child: ChildProcess, deadline: number): Promise<void> {
  let lastError = '';
  while (Date.now() < deadline && !hasExited(child)) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(hasExited(child) ? 'versitygw exited before it answered.' : `versitygw did not answer on ${endpoint} (last error: ${lastError}).`);
}

async function createBuckets(options: S3ServerOptions, endpoint: string, region: string): Promise<void> {
  const client = new S3Client({
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
  const child = spawn(binPath, ['--port', `${HOST}:${port}`, '--region', region, '--quiet', 'posix', options.dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
    // Only what it needs: no stray VGW_* setting of the caller changes how it runs.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ROOT_ACCESS_KEY: options.accessKeyId,
      ROOT_SECRET_KEY: options.secretAccessKey,
    },
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`Could not run versitygw at ${binPath}: ${error.message}`)));
  });
  const output = outputTail(child, options.logFile);
  let stopping: Promise<void> | null = null;
  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      const exited = waitForExit(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  try {
    await spawned;
    await waitForAnswer(endpoint, child, Date.now() + (options.startTimeoutMs ?? 30_000));
    await createBuckets(options, endpoint, region);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message} Its output:\n${output()}`);
  }
  return { endpoint, port, region, dataDir: options.dataDir, pid: child.pid ?? -1, exited: waitForExit(child), stop };
}
