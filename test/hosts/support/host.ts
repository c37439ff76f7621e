// One member's host for the cross-host test: a folder of its own with its SoftHSM token store and
// softhsm2.conf, its PIN file, its copy of the S3 keys and its agent configuration, all paths
// relative to the folder. Its agent runs as a worker process from that configuration with an
// environment that names nothing outside the folder, and its token is looked at by processes
// that see only this folder's token store.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { TokenRef } from '../../../libs/hsm';
import { initSoftHsmToken, prepareSoftHsm } from '../../../libs/hsm/softhsm';
import type { AgentConfig } from '../../../libs/config/types';
import { validateAgentConfig } from '../../../libs/config/validate-agent-config';
import { startWorkerProcess } from '../../faults/support/worker-process';
import type { WorkerProcess } from '../../faults/support/worker-process';
import type { TestS3 } from '../../support/s3';
import { testTemporalAddress } from '../../support/temporal';

const repoRoot = join(__dirname, '..', '..', '..');
const tokenScript = join(__dirname, 'host-token-main.ts');
const run = promisify(execFile);

export interface TestHost {
  member: string;
  dir: string;
  tokenLabel: string;
  /** The user PIN: the tests look for it where it must not be. */
  pin: string;
  confPath: string;
  configFile: string;
  config: AgentConfig;
  /** The token with absolute paths, for the processes that look at it. */
  tokenRef: TokenRef;
}

export interface HostOptions {
  clusterId: string;
  member: string;
  s3: TestS3;
  /** The S3 prefix every host of the cluster shares: the bucket is what they share, not a folder. */
  prefix: string;
}

/** Only what a process needs to run: no variable of this test process (SOFTHSM2_CONF, S3 keys) leaks in. */
function bareEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
}

export async function createHost(root: string, options: HostOptions): Promise<TestHost> {
  const { member, s3 } = options;
  const dir = join(root, 'hosts', member);
  const softhsm = prepareSoftHsm(dir);
  const tokenLabel = `${options.clusterId}-${member}`;
  const pin = `pin${randomBytes(6).toString('hex')}`;
  await initSoftHsmToken(softhsm, tokenLabel, pin, `so${randomBytes(6).toString('hex')}`);
  writeFileSync(join(dir, `${member}.pin`), pin, { mode: 0o600 });
  mkdirSync(join(dir, 's3'));
  writeFileSync(join(dir, 's3', 'access-key-id'), s3.accessKeyId, { mode: 0o600 });
  writeFileSync(join(dir, 's3', 'secret-access-key'), s3.secretAccessKey, { mode: 0o600 });
  // The agent configuration of DESIGN 15: Temporal, the package store, its cluster and its own member; every path in the folder.
  const raw = {
    temporal: { address: testTemporalAddress(), namespace: 'default' },
    packageStore: {
      s3: {
        endpoint: s3.endpoint,
        region: s3.region,
        bucket: s3.bucket,
        prefix: options.prefix,
        forcePathStyle: true,
        accessKeyId: { file: 's3/access-key-id' },
        secretAccessKey: { file: 's3/secret-access-key' },
      },
    },
    locks: { dir: 'locks' },
    agent: {
      cluster: options.clusterId,
      member: { id: member, pkcs11Module: softhsm.modulePath, tokenLabel, pin: { file: `${member}.pin` }, environment: { SOFTHSM2_CONF: 'softhsm2.conf' } },
    },
  };
  const configFile = join(dir, 'agent.json');
  const config = validateAgentConfig(raw, configFile, dir);
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  return { member, dir, tokenLabel, pin, confPath: softhsm.confPath, configFile, config, tokenRef: config.agent.member };
}

/** The host's node agent: `apps/worker/main.ts` from its agent configuration, nothing else. */
export function startHostAgent(host: TestHost): WorkerProcess {
  return startWorkerProcess(host.configFile, [], { env: bareEnvironment() });
}

export type HostTokenRequest =
  | { command: 'create-cluster-secrets' }
  | { command: 'generate-keys'; specs: unknown[]; withCertificate: string[] }
  | { command: 'inventory' }
  | { command: 'cluster-secrets-kcv' };

/** Runs host-token-main.ts on the host's token, in a process that sees only this host's token store. */
export async function onHostToken<T>(host: TestHost, request: HostTokenRequest): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', tokenScript, JSON.stringify(host.tokenRef), JSON.stringify(request)], {
    cwd: repoRoot,
    env: { ...bareEnvironment(), SOFTHSM2_CONF: host.confPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${request.command} on ${host.member}'s token failed: ${stderr.trim()}`);
  return JSON.parse(stdout) as T;
}

/** The labels of the initialized tokens that the host's own softhsm2.conf shows. */
export async function tokenLabelsOnHost(host: TestHost): Promise<string[]> {
  const { stdout } = await run('softhsm2-util', ['--show-slots'], { env: { ...bareEnvironment(), SOFTHSM2_CONF: host.confPath } });
  return [...stdout.matchAll(/^\s*Label:\s*(\S.*?)\s*$/gm)].map((match) => match[1]!);
}

/** Every file under the host's folder, as paths relative to it. */
export function filesOnHost(host: TestHost): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [relative(host.dir, path)];
    });
  return walk(host.dir).sort();
}
