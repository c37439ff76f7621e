// A PostgreSQL cluster of KeySync's own in the state folder: made once with initdb, then run in the
// foreground as a child process (so its pid is the server's, and a supervisor sees it die), listening
// on loopback TCP only (no Unix socket: nothing else on the host needs one), password (SCRAM) login
// for its one superuser. It runs as an unprivileged user (postgres-user.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnWatched } from '../child-process';
import type { WatchedProcess } from '../child-process';
import { requirePostgres } from './find-postgres';
import { checkReachable, ensurePostgresUser } from './postgres-user';
import type { PostgresUser } from './postgres-user';

export interface PostgresClusterOptions {
  /** Folder of the cluster (made, owned by the PostgreSQL user): data/ in it. */
  dir: string;
  port: number;
  /** Its superuser, whom Temporal connects as. */
  user: string;
  password: string;
  logFile: string;
  startTimeoutMs?: number;
}

export interface PostgresServer {
  host: string;
  port: number;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Fast shutdown (SIGINT), then immediate (SIGQUIT) after the grace period. */
  stop(graceMs?: number): Promise<void>;
}

const HOST = '127.0.0.1';

function asUser(user: PostgresUser): { uid?: number; gid?: number } {
  return user.switchTo ? { uid: user.uid, gid: user.gid } : {};
}

function ownedFolder(path: string, user: PostgresUser): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (user.switchTo) chownSync(path, user.uid, user.gid);
  chmodSync(path, 0o700);
}

/** initdb once; the password reaches it through a file only the PostgreSQL user reads, removed right after. */
function initCluster(options: PostgresClusterOptions, user: PostgresUser, dataDir: string, initdb: string): void {
  const pwFile = join(options.dir, '.initdb-password');
  writeFileSync(pwFile, options.password, { mode: 0o600 });
  if (user.switchTo) chownSync(pwFile, user.uid, user.gid);
  try {
    const result = spawnSync(
      initdb,
      ['-D', dataDir, '-U', options.user, `--pwfile=${pwFile}`, '--auth-host=scram-sha-256', '--auth-local=scram-sha-256', '-E', 'UTF8', '--no-locale'],
      { ...asUser(user), cwd: options.dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    if (result.status !== 0) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`initdb failed for ${dataDir}: ${(result.error?.message ?? result.stderr).trim()}`);
    }
  } finally {
    rmSync(pwFile, { force: true });
  }
}

function waitUntilReady({ child, exited }: WatchedProcess, timeoutMs: number, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not get ready within ${timeoutMs} ms; see ${logFile}.`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString('utf8')).slice(-4_096);
      if (seen.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited while starting (${signal ?? `exit code ${String(code)}`}); see ${logFile}.`));
    });
  });
}

/** Makes the cluster on first start, then runs it; returns once it accepts connections. */
export async function startPostgres(options: PostgresClusterOptions): Promise<PostgresServer> {
  const programs = requirePostgres();
  const user = ensurePostgresUser();
  mkdirSync(dirname(options.dir), { recursive: true });
  checkReachable(user, options.dir);
  ownedFolder(options.dir, user);
  const dataDir = join(options.dir, 'data');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) initCluster(options, user, dataDir, programs.initdb);

  // SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate one, which still takes its children along.
  const server = await spawnWatched(
    programs.postgres,
    ['-D', dataDir, '-p', String(options.port), '-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    { ...asUser(user), cwd: options.dir, detached: true, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } },
    { what: programs.postgres, logFile: options.logFile, stopSignal: 'SIGINT', forceSignal: 'SIGQUIT', graceMs: 30_000 },
  );
  const { exited, stop } = server;
  try {
    await waitUntilReady(server, options.startTimeoutMs ?? 60_000, options.logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: HOST, port: options.port, pid: server.pid, exited, stop };
}
