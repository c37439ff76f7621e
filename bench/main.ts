// `npm run bench`: a benchmark, not a test (DESIGN section 12). It syncs K keys (EC P-256 and
// RSA-2048) from a founder to N members through the real stack (its own Temporal dev server on a
// temporary SQLite file, the worker's orchestrator and node agents, the workflows), then does the
// same wrap/unwrap work with a bare pkcs11js script and the same parallelism, and prints both
// times, keys per second, and the ratio.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Command, InvalidArgumentError } from 'commander';
import { createWorkers } from '../apps/worker/create-workers';
import type { KeySyncConfig } from '../libs/config/types';
import { freePort } from '../libs/config/ports';
import { RESERVED } from '../libs/hsm/templates';
import { startDevServer } from '../libs/temporal/dev-server';
import { keySyncWorkflowId } from '../libs/contract/workflow-ids';
import type { KeySyncWorkflow } from '../libs/contract/workflow-types';
import type { BaselineInput, BaselineResult } from './bare-baseline';
import { createBenchCluster } from './bench-cluster';
import { runDriftBench } from './drift';
import { activityTimes, formatTimes } from './phases';
import type { BenchCluster } from './bench-cluster';

interface BenchOptions {
  keys: number;
  members: number;
  parallelism?: number;
  rsaShare: number;
  keep?: boolean;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return number;
}

function share(value: string): number {
  const number = Number(value);
  if (!(number >= 0 && number <= 1)) throw new InvalidArgumentError('must be between 0 and 1');
  return number;
}

function parseOptions(argv: string[]): BenchOptions {
  return new Command('keysync-bench')
    .description('Times a key sync through the real stack against a bare pkcs11js baseline doing the same wrap/unwrap work.')
    .option('--keys <K>', 'keys on the founder to sync', positiveInteger, 60)
    .option('--members <N>', 'members to sync them to', positiveInteger, 2)
    .option('--parallelism <P>', 'members imported at once, in the stack and in the baseline (default: N)', positiveInteger)
    .option('--rsa-share <S>', 'share of RSA-2048 keys (the rest EC P-256)', share, 1 / 6)
    .option('--keep', 'keep the temporary folder (tokens, Temporal database, packages, audit archive)')
    .parse(argv)
    .opts<BenchOptions>();
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function runBaselineProcess(input: BaselineInput): Promise<BaselineResult> {
  // From dist the script is JavaScript; from source (tsx) it is TypeScript and needs the loader.
  const script = join(__dirname, __filename.endsWith('.ts') ? 'bare-baseline.ts' : 'bare-baseline.js');
  const args = __filename.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, KEYSYNC_BENCH_INPUT: JSON.stringify(input) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as BaselineResult) : reject(new Error(`the baseline script exited with ${code}`))));
  });
}

function benchConfig(dir: string, address: string, cluster: BenchCluster, parallelism: number): KeySyncConfig {
  return {
    temporal: { address, namespace: 'default' },
    api: { port: 3000 },
    packageStore: { dir: join(dir, 'packages') },
    auditArchive: { dir: join(dir, 'audit') },
    clusters: [
      {
        id: 'bench',
        founder: cluster.founder.member.id,
        members: [cluster.founder.member, ...cluster.stackTargets.map((target) => target.member)],
        approvers: [],
        policy: {
          sync: { approvals: 0, timeoutSeconds: 60 },
          join: { approvals: 0, timeoutSeconds: 60 },
          parallelism,
          packageTtlSeconds: 3600,
          drift: { mode: 'off', intervalSeconds: 300 },
        },
      },
    ],
    principals: [],
  };
}

async function main(): Promise<void> {
  // `npm run bench -- --drift`: time to usable-everywhere of a key made outside KeySync (bench/drift.ts).
  if (process.argv.includes('--drift')) return runDriftBench(process.argv.filter((arg) => arg !== '--drift'));
  const options = parseOptions(process.argv);
  const parallelism = options.parallelism ?? options.members;
  const dir = mkdtempSync(join(tmpdir(), 'keysync-bench-'));
  // Errors only: agents' "no workflows registered" notices would drown the figures.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  say(`KeySync bench: ${options.keys} keys (${Math.round(options.keys * options.rsaShare)} RSA-2048, the rest EC P-256) from a founder to ${options.members} members, parallelism ${parallelism}`);
  say(`working folder: ${dir}`);

  const cluster = await createBenchCluster(dir, { keys: options.keys, members: options.members, rsaShare: options.rsaShare }, (line) => say(`  setup: ${line}`));
  const server = await startDevServer({ port: await freePort(), headless: true, dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log'), startTimeoutMs: 120_000 });
  const config = benchConfig(dir, server.address, cluster, parallelism);
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
  const workers = await createWorkers({ config, connection });
  const running = workers.run();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

  try {
    const sync = (keyIds?: string[]) =>
      client.workflow.execute<KeySyncWorkflow>('keySync', {
        taskQueue: 'keysync',
        workflowId: keySyncWorkflowId('bench', randomUUID()),
        args: [
          {
            cluster: { id: 'bench', members: config.clusters[0]!.members.map((member) => member.id), approvers: [], policy: config.clusters[0]!.policy },
            source: cluster.founder.member.id,
            ...(keyIds ? { keyIds } : {}),
            requestedBy: 'bench',
            reason: 'npm run bench',
          },
        ],
      });
    // A running stack is warm: a first sync with nothing to do loads the workflow code and opens the tokens.
    say('stack: warm-up sync (a key id no member holds: nothing to do)...');
    await sync(['ffffffff']);
    say('stack: syncing through Temporal...');
    const started = performance.now();
    const result = await sync();
    const stackMs = performance.now() - started;
    clearInterval(sampler);
    const imported = result.members.reduce((sum, member) => sum + member.keysImported, 0);
    if (result.state !== 'completed' || imported !== options.keys * options.members) {
      throw new Error(`the sync did not bring every key to every member: state ${result.state}, ${imported} of ${options.keys * options.members} imported (${JSON.stringify(result.members.map(({ member, state, reason }) => ({ member, state, reason })))})`);
    }

    say('baseline: bare pkcs11js wrap/unwrap...');
    const baseline = await runBaselineProcess({
      module: cluster.setup.modulePath,
      source: { label: cluster.founder.member.tokenLabel, pin: cluster.founder.pin },
      targets: cluster.baselineTargets.map((target) => ({ label: target.member.tokenLabel, pin: target.pin })),
      ktkIdHex: RESERVED.ktk.id.toString('hex'),
      keys: cluster.keys,
      parallelism,
    });
    if (baseline.keysUnwrapped !== options.keys * options.members) throw new Error(`the baseline unwrapped ${baseline.keysUnwrapped} keys, expected ${options.keys * options.members}`);

    const unwraps = options.keys * options.members;
    const rate = (ms: number): string => (unwraps / (ms / 1000)).toFixed(1);
    say('');
    say(`| run      | wall time  | keys/s (K x N = ${unwraps} unwraps) |`);
    say('|----------|------------|------------------------------|');
    say(`| stack    | ${(stackMs / 1000).toFixed(2).padStart(8)} s | ${rate(stackMs).padStart(28)} |`);
    say(`| baseline | ${(baseline.totalMs / 1000).toFixed(2).padStart(8)} s | ${rate(baseline.totalMs).padStart(28)} |`);
    say('');
    say(`baseline split: wrap ${(baseline.wrapMs / 1000).toFixed(2)} s, unwrap ${(baseline.unwrapMs / 1000).toFixed(2)} s`);
    say(`ratio stack / baseline: ${(stackMs / baseline.totalMs).toFixed(2)}x (target at most 1.10x for 600 keys to 4 members)`);
    const parent = await activityTimes(client, result.operationId);
    say(`stack phases: keySync ${(parent.totalMs / 1000).toFixed(2)} s in all; its activities: ${formatTimes(parent.times)}`);
    for (const member of result.members) {
      if (!member.workflowId) continue;
      const child = await activityTimes(client, member.workflowId);
      say(`  memberSync ${member.member}: ${(child.totalMs / 1000).toFixed(2)} s; ${formatTimes(child.times)}`);
    }
    say(`worker process peak RSS during the sync: ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
  } finally {
    clearInterval(sampler);
    await workers.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    await client.connection.close();
    await server.stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
