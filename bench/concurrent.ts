// `npm run bench -- --concurrent <N>` (DESIGN section 12): N syncs started at once on one stack,
// each through the API (POST .../syncs) with its own K keys of the founder chosen by id, and every
// one's status read through the API while it runs. The baseline, in the same run and on the same
// stack: one sync of another K keys alone, read the same way. Prints completion, the status reads'
// p50/p99, the ratios to the baseline, history length and peak memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import type { KeySyncResult } from '../libs/contract/operation-inputs';
import type { KeySyncWorkflow } from '../libs/contract/workflow-types';
import type { BenchApi } from './api-process';
import { createBenchCluster } from './bench-cluster';
import type { BenchCluster } from './bench-cluster';
import { startBenchStack } from './bench-stack';
import { positiveInteger, share } from './option-values';
import { activityTimes, whereTheTimeGoes } from './phases';
import type { SlowestMember, WorkflowTimes } from './phases';
import { describePeak, peakRssBytes, resetPeakRss } from './process-memory';
import { describeReads, newStatusReads, percentile, pollStatus } from './status-reads';
import type { StatusReads } from './status-reads';

interface ConcurrentOptions {
  concurrent: number;
  keys: number;
  members: number;
  parallelism?: number;
  rsaShare: number;
  pollMs: number;
  keep?: boolean;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function parseOptions(argv: string[]): ConcurrentOptions {
  return new Command('keysync-bench --concurrent')
    .description('Starts N syncs at once on one stack, each with its own keys, and reads their status through the API while they run.')
    .requiredOption('--concurrent <N>', 'syncs started at once', positiveInteger)
    .option('--keys <K>', 'keys of each sync (the founder holds K x (N + 1): one set more for the baseline)', positiveInteger, 4)
    .option('--members <M>', 'members each sync copies its keys to', positiveInteger, 2)
    .option('--parallelism <P>', 'members imported at once within one sync (default: M)', positiveInteger)
    .option('--rsa-share <S>', 'share of RSA-2048 keys in each set (the rest EC P-256)', share, 1 / 6)
    .option('--poll-ms <MS>', 'interval between two status reads of one operation', positiveInteger, 1_000)
    .option('--keep', 'keep the temporary folder')
    .parse(argv)
    .opts<ConcurrentOptions>();
}

/** K keys per set, every set with the same number of RSA keys (the founder's RSA keys come first). */
function keySets(cluster: BenchCluster, sets: number, perSet: number, rsaPerSet: number): string[][] {
  const rsa = cluster.keys.filter((key) => key.keyType === 'rsa').map((key) => key.idHex);
  const ec = cluster.keys.filter((key) => key.keyType === 'ec').map((key) => key.idHex);
  const ecPerSet = perSet - rsaPerSet;
  return Array.from({ length: sets }, (_, index) => [...rsa.slice(index * rsaPerSet, (index + 1) * rsaPerSet), ...ec.slice(index * ecPerSet, (index + 1) * ecPerSet)]);
}

interface TimedSync {
  operationId: string;
  startMs: number;
  doneMs: number;
  result: KeySyncResult | Error;
}

async function startSync(api: BenchApi, source: string, keyIds: string[]): Promise<{ operationId: string; startMs: number }> {
  const asked = performance.now();
  const response = await api.request('/v1/clusters/bench/syncs', { method: 'POST', body: { source, keyIds, reason: 'npm run bench -- --concurrent' } });
  const startMs = performance.now() - asked;
  const body = (await response.json()) as { operationId?: string };
  if (response.status !== 202 || !body.operationId) throw new Error(`POST /v1/clusters/bench/syncs answered ${response.status}: ${JSON.stringify(body)}`);
  return { operationId: body.operationId, startMs };
}

/** Starts one sync, reads its status until it finished, and times it from `from` (before the start request). */
async function timedSync(client: Client, api: BenchApi, source: string, keyIds: string[], from: number, pollMs: number, reads: StatusReads): Promise<TimedSync> {
  const { operationId, startMs } = await startSync(api, source, keyIds);
  const done = client.workflow.getHandle<KeySyncWorkflow>(operationId).result();
  const polling = pollStatus(api, operationId, pollMs, done, reads);
  const result = await done.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  const doneMs = performance.now() - from;
  await polling;
  return { operationId, startMs, doneMs, result };
}

function fullyCompleted(sync: TimedSync, expectedImports: number): boolean {
  if (sync.result instanceof Error || sync.result.state !== 'completed') return false;
  return sync.result.members.reduce((sum, member) => sum + member.keysImported, 0) === expectedImports;
}

function outcome(sync: TimedSync): string {
  if (sync.result instanceof Error) return `${sync.operationId}: ${sync.result.message}`;
  const lacking = sync.result.members.filter((member) => member.state !== 'in-sync').map(({ member, state, reason }) => `${member} ${state}${reason ? ` (${reason})` : ''}`);
  return `${sync.operationId}: ${sync.result.state}; ${lacking.join(', ') || 'every member in sync'}`;
}

async function parentTimes(client: Client, sync: TimedSync): Promise<{ parent: WorkflowTimes; slowest: SlowestMember }> {
  const parent = await activityTimes(client, sync.operationId);
  let slowest: SlowestMember = null;
  if (!(sync.result instanceof Error)) {
    for (const member of sync.result.members) {
      if (!member.workflowId) continue;
      const times = await activityTimes(client, member.workflowId);
      if (!slowest || times.totalMs > slowest.times.totalMs) slowest = { member: member.member, times };
    }
  }
  return { parent, slowest };
}

export async function runConcurrentBench(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const parallelism = options.parallelism ?? options.members;
  const rsaPerSet = Math.round(options.keys * options.rsaShare);
  const sets = options.concurrent + 1;
  const dir = mkdtempSync(join(tmpdir(), 'keysync-concurrent-bench-'));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  say(`KeySync concurrent bench: ${options.concurrent} syncs at once, each of ${options.keys} keys (${rsaPerSet} RSA-2048, the rest EC P-256) from the founder to ${options.members} members; status read every ${options.pollMs} ms per operation`);
  say(`working folder: ${dir}`);
  const cluster = await createBenchCluster(dir, { keys: sets * options.keys, rsaKeys: sets * rsaPerSet, members: options.members, baselineTargets: false }, (line) => say(`  setup: ${line}`));
  const [aloneSet, ...concurrentSets] = keySets(cluster, sets, options.keys, rsaPerSet);
  const source = cluster.founder.member.id;
  const expectedImports = options.keys * options.members;
  const stack = await startBenchStack(dir, cluster, parallelism);
  const { client, api } = stack;

  try {
    say('stack: warm-up sync (a key id no member holds: nothing to do)...');
    const warmUp = await startSync(api, source, ['ffffffff']);
    await client.workflow.getHandle<KeySyncWorkflow>(warmUp.operationId).result();
    await api.request(`/v1/operations/${warmUp.operationId}`);

    say(`baseline: one sync of ${options.keys} keys alone...`);
    const aloneReads = newStatusReads();
    // Read at the rate the N syncs' reads will add up to, so the two sets of reads differ by the syncs' load alone.
    const alonePollMs = Math.max(10, Math.round(options.pollMs / options.concurrent));
    const alone = await timedSync(client, api, source, aloneSet!, performance.now(), alonePollMs, aloneReads);
    if (!fullyCompleted(alone, expectedImports)) throw new Error(`the baseline sync did not bring its keys to every member: ${outcome(alone)}`);

    say(`concurrent: ${options.concurrent} syncs at once...`);
    const apiPeakReset = resetPeakRss(api.pid);
    const workerPeakReset = resetPeakRss(stack.worker.pid);
    const reads = newStatusReads();
    // The bench's own event loop times every read: a stall of it lengthens the reads it is timing.
    const benchDelay = monitorEventLoopDelay({ resolution: 10 });
    benchDelay.enable();
    const from = performance.now();
    const syncs = await Promise.all(concurrentSets.map((keyIds) => timedSync(client, api, source, keyIds, from, options.pollMs, reads)));
    benchDelay.disable();
    const workerPeak = peakRssBytes(stack.worker.pid);
    const apiPeak = peakRssBytes(api.pid);

    const completed = syncs.filter((sync) => fullyCompleted(sync, expectedImports));
    const last = syncs.reduce((latest, sync) => (sync.doneMs > latest.doneMs ? sync : latest));
    const doneTimes = syncs.map((sync) => sync.doneMs);
    const startTimes = syncs.map((sync) => sync.startMs);
    say('');
    say(`completion: ${completed.length} of ${options.concurrent} completed with every key on every member${completed.length === options.concurrent ? '' : ' (NOT all)'}; the last after ${seconds(last.doneMs)}, the median after ${seconds(percentile(doneTimes, 0.5))}`);
    for (const sync of syncs.filter((one) => !completed.includes(one)).slice(0, 5)) say(`  not completed: ${outcome(sync)}`);
    say(`baseline, one sync of the same size alone: ${seconds(alone.doneMs)}; ratio last / alone: ${(last.doneMs / alone.doneMs).toFixed(2)}x; against ${options.concurrent} such syncs one after another: ${(last.doneMs / (alone.doneMs * options.concurrent)).toFixed(2)}x`);
    say(`start requests (POST /v1/clusters/bench/syncs, ${options.concurrent} at once): p50 ${percentile(startTimes, 0.5).toFixed(1)} ms, p99 ${percentile(startTimes, 0.99).toFixed(1)} ms; alone ${alone.startMs.toFixed(1)} ms`);
    say(`status reads (GET /v1/operations/{id}) under ${options.concurrent} syncs: ${describeReads(reads)} (target p99 under 50 ms)`);
    say(`the bench's own event loop meanwhile (it times the reads): delay p99 ${(benchDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(benchDelay.max / 1e6).toFixed(1)} ms`);
    say(`status reads alone (every ${alonePollMs} ms, the same read rate): ${describeReads(aloneReads)}; ratio p99 concurrent / alone: ${(percentile(reads.latenciesMs, 0.99) / percentile(aloneReads.latenciesMs, 0.99)).toFixed(2)}x`);
    const lastTimes = await parentTimes(client, last);
    const aloneTimes = await parentTimes(client, alone);
    say(`keySync history: ${lastTimes.parent.events} events for the last to finish, ${aloneTimes.parent.events} alone`);
    // Every start request leaves at once, so each sync's time from its start request is its doneMs.
    say(whereTheTimeGoes(last.doneMs, lastTimes.parent, lastTimes.slowest, 'the last to finish, from its start request'));
    say(whereTheTimeGoes(alone.doneMs, aloneTimes.parent, aloneTimes.slowest, 'alone'));
    say(`worker peak RSS during the ${options.concurrent} syncs: ${describePeak(workerPeak, workerPeakReset)} (its own process, pid ${stack.worker.pid}: the orchestrator and all ${options.members + 1} node agents)`);
    say(`API peak RSS during the ${options.concurrent} syncs: ${describePeak(apiPeak, apiPeakReset)} (its own process, pid ${api.pid})`);
    say(`load average (2 cores shared with whatever else runs): ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  } finally {
    await stack.stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
