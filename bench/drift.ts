// `npm run bench -- --drift` (DESIGN section 12): how long until a key made on one member outside
// KeySync (pkcs11-tool, as a CA renewal would) is usable on every member, two ways, over several
// runs: by the drift watch alone (policy auto, its Schedule's interval), and by the availability
// gate with sync=true over HTTP. A figure, not a test: it prints median and worst.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { createApi } from '../apps/api/create-api';
import { ApiLogger, createLogger } from '../apps/api/logging/logger';
import { createWorkers } from '../apps/worker/create-workers';
import type { KeySyncConfig, MemberConfig } from '../libs/config/types';
import { sha256Hex } from '../libs/digest';
import { freePort } from '../libs/config/ports';
import { initSoftHsmToken, negotiateOaepHash, openToken, prepareSoftHsm } from '../libs/hsm';
import type { Token } from '../libs/hsm';
import { startDevServer } from '../libs/temporal/dev-server';
import { ensureDriftSchedules } from '../libs/temporal/drift-schedules';
import { positiveInteger } from './option-values';
import { activityTimes, formatTimes, whereTheTimeGoes } from './phases';
import { describePeak, peakRssBytes, resetPeakRss } from './process-memory';
import { describeTaskTimes, taskTimes, timeline } from './task-times';

const execFileAsync = promisify(execFile);
const say = (line: string): void => void process.stdout.write(`${line}\n`);

interface DriftBenchOptions {
  runs: number;
  interval: number;
  members: number;
  timeline?: boolean;
  gateOnly?: boolean;
  keep?: boolean;
}

function parseOptions(argv: string[]): DriftBenchOptions {
  return new Command('keysync-bench --drift')
    .description('Times a key made with pkcs11-tool on one member until it is on every member: by the drift watch, and by availability with sync=true.')
    .option('--runs <R>', 'keys to time, each way', positiveInteger, 10)
    .option('--interval <S>', 'the drift watch interval in seconds (policy.drift.intervalSeconds)', positiveInteger, 5)
    .option('--members <N>', 'cluster members', positiveInteger, 3)
    .option('--gate-only', 'time the availability gate alone, not the drift watch')
    .option('--timeline', 'print every event of the last gate request\'s workflows, by time')
    .option('--keep', 'keep the temporary folder')
    .parse(argv)
    .opts<DriftBenchOptions>();
}

interface BenchMember {
  config: MemberConfig;
  pin: string;
  token?: Token;
}

async function makeMembers(dir: string, count: number): Promise<BenchMember[]> {
  const setup = prepareSoftHsm(dir);
  process.env.SOFTHSM2_CONF = setup.confPath;
  mkdirSync(join(dir, 'pins'), { recursive: true });
  const members: BenchMember[] = [];
  for (let index = 1; index <= count; index += 1) {
    const id = `node${index}`;
    const pin = randomBytes(8).toString('hex');
    const label = `drift-bench-${id}`;
    await initSoftHsmToken(setup, label, pin, randomBytes(8).toString('hex'));
    const pinFile = join(dir, 'pins', id);
    writeFileSync(pinFile, pin, { mode: 0o600 });
    members.push({ config: { id, pkcs11Module: setup.modulePath, tokenLabel: label, pin: { file: pinFile } }, pin });
  }
  // Every token exists before the first is opened; then the founder's secrets go to the others by the join path.
  for (const member of members) member.token = await openToken(member.config);
  const [founder, ...others] = members.map((member) => member.token!);
  await founder!.createClusterSecrets();
  for (const other of others) {
    const transport = await other.createTransportKey();
    await other.unwrapClusterSecretsFromTransport((await founder!.wrapClusterSecretsForTransport(transport.publicKeyDer, negotiateOaepHash(founder!.capabilities().oaepHashes, transport.oaepHashes))).blob);
  }
  return members;
}

/** An extractable EC P-256 key with sign usage, made outside KeySync. */
async function pkcs11ToolKey(member: BenchMember, id: string): Promise<void> {
  await execFileAsync('pkcs11-tool', [
    '--module', member.config.pkcs11Module, '--token-label', member.config.tokenLabel, '--login', '--pin', member.pin,
    '--keypairgen', '--key-type', 'EC:prime256v1', '--id', id, '--label', `bench-${id}`, '--usage-sign', '--extractable',
  ]);
}

async function onEveryMember(members: readonly BenchMember[], id: string): Promise<boolean> {
  const held = await Promise.all(members.map(async (member) => (await member.token!.inventory()).some((group) => group.id === id)));
  return held.every(Boolean);
}

function summary(label: string, samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return `| ${label.padEnd(34)} | ${seconds(median).padStart(8)} | ${seconds(sorted[sorted.length - 1]!).padStart(8)} | ${sorted.map((ms) => (ms / 1000).toFixed(2)).join(' ')}`;
}

export async function runDriftBench(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const dir = mkdtempSync(join(tmpdir(), 'keysync-drift-bench-'));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  say(`KeySync drift bench: ${options.runs} keys each way, ${options.members} members, drift interval ${options.interval} s`);
  say(`working folder: ${dir}`);
  const members = await makeMembers(dir, options.members);
  const server = await startDevServer({ port: await freePort(), headless: true, dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log'), startTimeoutMs: 120_000 });
  const operatorToken = randomBytes(24).toString('base64url');
  const config: KeySyncConfig = {
    temporal: { address: server.address, namespace: 'default' },
    api: { port: 0 },
    packageStore: { dir: join(dir, 'packages') },
    auditArchive: { dir: join(dir, 'audit') },
    clusters: [
      {
        id: 'bench',
        founder: 'node1',
        members: members.map((member) => member.config),
        approvers: [],
        policy: {
          sync: { approvals: 0, timeoutSeconds: 60 },
          join: { approvals: 0, timeoutSeconds: 60 },
          parallelism: options.members,
          packageTtlSeconds: 3600,
          drift: { mode: 'auto', intervalSeconds: options.interval },
        },
      },
    ],
    principals: [{ id: 'bench-operator', roles: ['operator'], tokenSha256: sha256Hex(operatorToken) }],
  };
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
  const workers = await createWorkers({ config, connection });
  const running = workers.run();
  const api = await createApi(config, { logger: new ApiLogger(createLogger({ level: 'error' })) });
  await api.listen(0, '127.0.0.1');
  const apiUrl = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  let sequence = 0;
  const nextKey = () => {
    sequence += 1;
    return { id: (0xd000 + sequence).toString(16), source: members[sequence % members.length]! };
  };

  try {
    // Warm-up: one availability check loads the workflow code and opens every token in the agents.
    await fetch(`${apiUrl}/v1/clusters/bench/keys/ffff/availability`, { headers: { authorization: `Bearer ${operatorToken}` } });

    const byDrift: number[] = [];
    if (!options.gateOnly) {
      say(`drift watch (policy auto, every ${options.interval} s):`);
      await ensureDriftSchedules({ client, config });
    }
    for (let run = 0; run < (options.gateOnly ? 0 : options.runs); run += 1) {
      const { id, source } = nextKey();
      await pkcs11ToolKey(source, id);
      const made = performance.now();
      for (;;) {
        if (await onEveryMember(members, id)) break;
        if (performance.now() - made > (options.interval + 60) * 1000) throw new Error(`key ${id} made on ${source.config.id} did not reach every member within the interval + 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      byDrift.push(performance.now() - made);
      say(`  key ${id} from ${source.config.id}: ${((performance.now() - made) / 1000).toFixed(2)} s`);
    }

    // The schedule is paused (mode off) so only the gate's own sync moves keys.
    config.clusters[0]!.policy.drift = { mode: 'off', intervalSeconds: options.interval };
    await ensureDriftSchedules({ client, config });
    say('availability with sync=true (GET .../availability?wait=60s&sync=true):');
    const peakReset = resetPeakRss(process.pid);
    const byGate: number[] = [];
    let lastGateSync: string | null = null;
    for (let run = 0; run < options.runs; run += 1) {
      const { id, source } = nextKey();
      await pkcs11ToolKey(source, id);
      const asked = performance.now();
      const response = await fetch(`${apiUrl}/v1/clusters/bench/keys/${id}/availability?wait=60s&sync=true`, { headers: { authorization: `Bearer ${operatorToken}` } });
      const answer = (await response.json()) as { available?: boolean; lacking?: string[]; message?: string; operationId?: string | null };
      const took = performance.now() - asked;
      if (response.status !== 200 || answer.available !== true) throw new Error(`the gate answered ${response.status} for key ${id}: ${JSON.stringify(answer)}`);
      if (!(await onEveryMember(members, id))) throw new Error(`the gate said key ${id} is available, but a member lacks it`);
      byGate.push(took);
      lastGateSync = answer.operationId ?? null;
      say(`  key ${id} from ${source.config.id}: ${(took / 1000).toFixed(2)} s`);
    }

    say('');
    say(`| ${'way'.padEnd(34)} |   median |    worst | every run (s)`);
    say(`|${'-'.repeat(36)}|----------|----------|--------------`);
    if (byDrift.length > 0) say(summary(`drift watch (interval ${options.interval} s)`, byDrift));
    say(summary('availability ?sync=true', byGate));
    say('');
    say(`targets (DESIGN section 12): availability median under 0.75 s and worst under 1.5 s; drift watch within interval + 2 s (here ${options.interval + 2} s)`);
    if (lastGateSync !== null) {
      // Where the last gate's sync spent its time, from its histories (the rest is workflow task round trips).
      const parent = await activityTimes(client, lastGateSync);
      say(`last gate sync ${lastGateSync}: ${(parent.totalMs / 1000).toFixed(2)} s in all, ${parent.events} events in its history; its activities: ${formatTimes(parent.times)}`);
      for await (const child of client.workflow.list({ query: `WorkflowType = 'memberSync' AND KeySyncCluster = 'bench'` })) {
        if (!child.workflowId.startsWith(`${lastGateSync}:`)) continue;
        const times = await activityTimes(client, child.workflowId);
        say(`  memberSync ${child.workflowId.slice(lastGateSync.length + 1)}: ${(times.totalMs / 1000).toFixed(2)} s, ${times.events} events; ${formatTimes(times.times)}`);
      }
      say(whereTheTimeGoes(byGate.at(-1)!, parent, null, 'the last gate request; its memberSyncs above'));
      // The gate's own workflow (the keySync's parent): its tasks, and those of every workflow under it.
      const gateId = (await client.workflow.getHandle(lastGateSync).describe()).parentExecution?.workflowId;
      if (gateId) {
        const gate = await taskTimes(client, gateId);
        say(`the last gate request: ${(byGate.at(-1)! / 1000).toFixed(2)} s over HTTP, of which its keyAvailability workflow ${(gate.totalMs / 1000).toFixed(2)} s; per workflow:`);
        for (const line of describeTaskTimes(gate, '  ')) say(line);
        if (options.timeline) for (const line of await timeline(client, gateId)) say(`  ${line}`);
      }
    }
    // Here the worker and the API share the bench's process (createWorkers and createApi in-process): one figure for both.
    say(`peak RSS during the availability runs: ${describePeak(peakRssBytes(process.pid), peakReset)} (in-process: the bench, the worker with ${options.members} node agents and the API in one process)`);
    say(`load average during the bench (2 cores shared): ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  } finally {
    await api.close();
    await workers.shutdown();
    await running.catch(() => undefined);
    for (const member of members) await member.token?.close();
    await connection.close();
    await client.connection.close();
    await server.stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
