// `npm run bench`: a benchmark, not a test (DESIGN section 12). It syncs K keys (EC P-256 and
// RSA-2048) from a founder to N members through the real stack (its own Temporal dev server on a
// temporary SQLite file, the worker's orchestrator and node agents, the workflows), then does the
// same wrap/unwrap work with a bare pkcs11js script and the same parallelism, and prints both
// times, keys per second, and the ratio.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { RESERVED } from '../libs/hsm/templates';
import { hsmThreadPoolSize } from '../libs/hsm/thread-pool';
import { keySyncWorkflowId } from '../libs/contract/workflow-ids';
import type { KeySyncWorkflow } from '../libs/contract/workflow-types';
import type { BaselineInput, BaselineResult } from './bare-baseline';
import { createBenchCluster } from './bench-cluster';
import { startBenchStack } from './bench-stack';
import { runConcurrentBench } from './concurrent';
import { runDriftBench } from './drift';
import { positiveInteger, share } from './option-values';
import { activityTimes, formatTimes, whereTheTimeGoes } from './phases';
import type { SlowestMember } from './phases';
import { startCpuCount } from './process-cpu';
import { describePeak, peakRssBytes, resetPeakRss } from './process-memory';
import { describeReads, newStatusReads, pollStatus } from './status-reads';
import { timeline } from './task-times';

interface BenchOptions {
  keys: number;
  members: number;
  parallelism?: number;
  rsaShare: number;
  keep?: boolean;
  timeline?: boolean;
}

function parseOptions(argv: string[]): BenchOptions {
  return new Command('keysync-bench')
    .description('Times a key sync through the real stack against a bare pkcs11js baseline doing the same wrap/unwrap work.')
    .option('--keys <K>', 'keys on the founder to sync', positiveInteger, 60)
    .option('--members <N>', 'members to sync them to', positiveInteger, 2)
    .option('--parallelism <P>', 'members imported at once, in the stack and in the baseline (default: N)', positiveInteger)
    .option('--rsa-share <S>', 'share of RSA-2048 keys (the rest EC P-256)', share, 1 / 6)
    .option('--keep', 'keep the temporary folder (tokens, Temporal database, packages, audit archive)')
    .option('--timeline', "print every event of the sync's workflows, by time")
    .parse(argv)
    .opts<BenchOptions>();
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** The baseline gets the worker's thread pool (apps/worker sizes it to its agents): the same room for *Async PKCS#11 calls. */
function runBaselineProcess(input: BaselineInput, threadPoolSize: number): Promise<BaselineResult> {
  // From dist the script is JavaScript; from source (tsx) it is TypeScript and needs the loader.
  const script = join(__dirname, __filename.endsWith('.ts') ? 'bare-baseline.ts' : 'bare-baseline.js');
  const args = __filename.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, KEYSYNC_BENCH_INPUT: JSON.stringify(input), UV_THREADPOOL_SIZE: String(threadPoolSize) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as BaselineResult) : reject(new Error(`the baseline script exited with ${code}`))));
  });
}

/** The CPU line: the stack's processes against the baseline's, a ratio that the machine's load does not stretch as it does wall times. */
function describeCpu(stack: Record<string, number | null>, baselineMs: number): string {
  const parts = Object.entries(stack);
  if (parts.some(([, ms]) => ms === null)) return 'CPU during the sync: not readable (no /proc)';
  const total = parts.reduce((sum, [, ms]) => sum + (ms as number), 0);
  const each = parts.map(([name, ms]) => `${name} ${((ms as number) / 1000).toFixed(2)} s`).join(', ');
  return `CPU during the sync (user + system): stack ${(total / 1000).toFixed(2)} s (${each}), baseline ${(baselineMs / 1000).toFixed(2)} s: ${(total / baselineMs).toFixed(2)}x`;
}

async function main(): Promise<void> {
  // `npm run bench -- --drift`: time to usable-everywhere of a key made outside KeySync (bench/drift.ts).
  if (process.argv.includes('--drift')) return runDriftBench(process.argv.filter((arg) => arg !== '--drift'));
  // `npm run bench -- --concurrent <N>`: N syncs at once on one stack (bench/concurrent.ts).
  if (process.argv.includes('--concurrent')) return runConcurrentBench(process.argv);
  const options = parseOptions(process.argv);
  const parallelism = options.parallelism ?? options.members;
  const dir = mkdtempSync(join(tmpdir(), 'keysync-bench-'));
  // Errors only: agents' "no workflows registered" notices would drown the figures.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  say(`KeySync bench: ${options.keys} keys (${Math.round(options.keys * options.rsaShare)} RSA-2048, the rest EC P-256) from a founder to ${options.members} members, parallelism ${parallelism}`);
  say(`working folder: ${dir}`);

  const cluster = await createBenchCluster(dir, { keys: options.keys, rsaKeys: Math.round(options.keys * options.rsaShare), members: options.members, baselineTargets: true }, (line) => say(`  setup: ${line}`));
  const stack = await startBenchStack(dir, cluster, parallelism);
  const { client, config, api } = stack;

  try {
    const sync = (keyIds?: string[]) => {
      const workflowId = keySyncWorkflowId('bench', randomUUID());
      const done = client.workflow.execute<KeySyncWorkflow>('keySync', {
        taskQueue: 'keysync',
        workflowId,
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
      return { workflowId, done };
    };
    // A running stack is warm: a first sync with nothing to do loads the workflow code and opens the tokens.
    say('stack: warm-up sync (a key id no member holds: nothing to do)...');
    const warmUp = sync(['ffffffff']);
    await warmUp.done;
    // And the API's read path (Nest's first request, the Temporal client's first describe and query).
    await api.request(`/v1/operations/${warmUp.workflowId}`);
    say('stack: syncing through Temporal (its status read through the API every second, as `keysync sync --wait` does)...');
    const apiPeakReset = resetPeakRss(api.pid);
    const workerPeakReset = resetPeakRss(stack.worker.pid);
    const cpuOfStack = startCpuCount({ worker: stack.worker.pid, Temporal: stack.temporal.pid, API: api.pid });
    const started = performance.now();
    const measured = sync();
    const reads = newStatusReads();
    const polling = pollStatus(api, measured.workflowId, 1_000, measured.done, reads);
    const result = await measured.done;
    const stackMs = performance.now() - started;
    const stackCpu = cpuOfStack();
    await polling;
    const workerPeak = peakRssBytes(stack.worker.pid);
    const apiPeak = peakRssBytes(api.pid);
    const imported = result.members.reduce((sum, member) => sum + member.keysImported, 0);
    if (result.state !== 'completed' || imported !== options.keys * options.members) {
      throw new Error(`the sync did not bring every key to every member: state ${result.state}, ${imported} of ${options.keys * options.members} imported (${JSON.stringify(result.members.map(({ member, state, reason }) => ({ member, state, reason })))})`);
    }

    const threadPoolSize = hsmThreadPoolSize(options.members + 1);
    say(`baseline: bare pkcs11js wrap/unwrap (libuv thread pool of ${threadPoolSize}, as the worker's for its ${options.members + 1} agents)...`);
    const baseline = await runBaselineProcess({
      module: cluster.setup.modulePath,
      source: { label: cluster.founder.member.tokenLabel, pin: cluster.founder.pin },
      targets: cluster.baselineTargets.map((target) => ({ label: target.member.tokenLabel, pin: target.pin })),
      ktkIdHex: RESERVED.ktk.id.toString('hex'),
      keys: cluster.keys,
      parallelism,
    }, threadPoolSize);
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
    // DESIGN 12 sets two ratio targets: 1.10x for the 600-key sync to 4 members, 1.25x for 32 members.
    const target = options.members >= 32 ? 'target at most 1.25x for 32 members' : 'target at most 1.10x for 600 keys to 4 members';
    say(`ratio stack / baseline: ${(stackMs / baseline.totalMs).toFixed(2)}x (${target})`);
    say(describeCpu(stackCpu, baseline.cpuMs));
    const parent = await activityTimes(client, result.operationId);
    say(`stack phases: keySync ${(parent.totalMs / 1000).toFixed(2)} s in all; its activities: ${formatTimes(parent.times)}`);
    let slowest: SlowestMember = null;
    for (const member of result.members) {
      if (!member.workflowId) continue;
      const child = await activityTimes(client, member.workflowId);
      if (!slowest || child.totalMs > slowest.times.totalMs) slowest = { member: member.member, times: child };
      say(`  memberSync ${member.member}: ${(child.totalMs / 1000).toFixed(2)} s, ${child.events} events; ${formatTimes(child.times)}`);
    }
    say(whereTheTimeGoes(stackMs, parent, slowest));
    say(`keySync history: ${parent.events} events (target under 2,000 for 32 members)`);
    say(`status reads through the API during the sync: ${describeReads(reads)}`);
    say(`worker peak RSS during the sync: ${describePeak(workerPeak, workerPeakReset)} (its own process, pid ${stack.worker.pid}: the orchestrator and all ${options.members + 1} node agents)`);
    say(`API peak RSS during the sync: ${describePeak(apiPeak, apiPeakReset)} (its own process, pid ${api.pid})`);
    say(`load average (2 cores shared with whatever else runs): ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
    if (options.timeline) for (const line of await timeline(client, result.operationId)) say(`  ${line}`);
  } finally {
    await stack.stop();
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
