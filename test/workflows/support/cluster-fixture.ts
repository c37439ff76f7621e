// A real cluster for workflow tests: a token per member (SoftHSM unless a member is given Kryoptic
// or NSS softoken, made by libs/hsm's provisionTokens; PINs in files), a configuration,
// the agent engineer's workers (orchestrator on a queue of this test's own, a node agent per
// member), and a client. Each fixture has its own cluster id, so member queues never collide with
// another test file's on the shared dev server.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createWorkers } from '../../../apps/worker/create-workers';
import type { KeySyncWorkers } from '../../../apps/worker/create-workers';
import type { ApprovalPolicy, ClusterConfig, KeySyncConfig, MemberConfig, TemporalConfig } from '../../../libs/config/types';
import type { PackageStoreConfig } from '../../../libs/package-store';
import { negotiateOaepHash, openToken, provisionTokens } from '../../../libs/hsm';
import type { HsmImplementation, Token, WrapMechanismOverrides } from '../../../libs/hsm';
import { initSoftHsmToken, prepareSoftHsm } from '../../../libs/hsm/softhsm';
import type { ClusterSnapshot } from '../../../libs/contract/cluster';
import { workflowTypes } from '../../../libs/contract/workflow-types';
import { connectWorkerConnection } from '../../../libs/temporal/connection';
import { connectTestClient, connectTestWorkerConnection, testTemporalAddress } from '../../support/temporal';
import { makeApprover } from './approvers';
import type { TestApprover } from './approvers';

export interface FixtureOptions {
  members: string[];
  /** Members whose tokens get the cluster secrets at setup (the founder creates them, the others join by hand). */
  withSecrets: string[];
  syncPolicy?: ApprovalPolicy;
  joinPolicy?: ApprovalPolicy;
  memberPolicies?: Record<string, ApprovalPolicy>;
  parallelism?: number;
  /** Default: one of its own (wf<hex>). A fixed id (the spec's example, demo) must not be another running fixture's. */
  clusterId?: string;
  /** Default: a folder of the fixture's own. `filesDir` is where its blobs lie as files (for S3, versitygw's backend folder of the prefix). */
  packageStore?: { config: PackageStoreConfig; filesDir: string };
  /** Members on another implementation than SoftHSM. Each module reads its configuration once per process: one such fixture per test file. */
  implementations?: Record<string, HsmImplementation>;
  /** Members' vendor mechanism overrides by wrap format (configuration `wrapMechanisms`). */
  wrapMechanisms?: Record<string, WrapMechanismOverrides>;
}

export interface ClusterFixture {
  dir: string;
  clusterId: string;
  config: KeySyncConfig;
  /** Where the package store's blobs lie as files (the store's folder, or versitygw's backend folder of its prefix): history scans read them. */
  packagesDir: string;
  /** Every member with its token: the fixture made them all. */
  cluster: Omit<ClusterConfig, 'members'> & { members: MemberConfig[] };
  approvers: TestApprover[];
  /** User PINs by member: history scans look for them. */
  pins: Record<string, string>;
  orchestratorQueue: string;
  client: Client;
  connection: NativeConnection;
  snapshot(): ClusterSnapshot;
  /** Opens a member's token in this process (for setup and proofs); close it after. */
  withToken<T>(member: string, use: (token: Token) => Promise<T>): Promise<T>;
  /**
   * Starts workers: by default the orchestrator and every member's agent, on the fixture's
   * connection; with `temporal`, on connections of their own made from it (mutual TLS).
   */
  startWorkers(options?: { members?: string[]; orchestrator?: boolean; temporal?: TemporalConfig }): Promise<KeySyncWorkers>;
  close(): Promise<void>;
}

function distinctivePin(): string {
  return `pin${randomBytes(6).toString('hex')}`;
}

/**
 * Waits (bounded) until no archiveHistory or notify workflow runs on the fixture's orchestrator
 * queue. Every workflow starts an archive as its last act (workflows/archive-workflow.ts), and an
 * operation a notification as it ends (workflows/notifications.ts), on its own queue; the archive
 * activity retries until that history is closed, so the one a test's last workflow started
 * usually still runs when the test ends. Stopping the workers then would leave it unpolled on the
 * shared server (and its history out of the test's audit archive).
 */
export async function waitForArchives(client: Client, orchestratorQueue: string, timeoutMs = 60_000): Promise<void> {
  const types = [workflowTypes.archiveHistory, workflowTypes.notify].map((type) => `'${type}'`).join(', ');
  const query = `WorkflowType IN (${types}) AND TaskQueue = '${orchestratorQueue}' AND ExecutionStatus = 'Running'`;
  const deadline = Date.now() + timeoutMs;
  // Twice zero in a row: visibility can lag a child started just before.
  let zeroes = 0;
  while (zeroes < 2) {
    zeroes = (await client.workflow.count(query)).count === 0 ? zeroes + 1 : 0;
    if (Date.now() > deadline) {
      console.warn(`archive or notify workflows still running on ${orchestratorQueue} after ${timeoutMs} ms; stopping the workers anyway`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function createClusterFixture(options: FixtureOptions): Promise<ClusterFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'keysync-wf-'));
  const setup = prepareSoftHsm(dir);
  process.env.SOFTHSM2_CONF = setup.confPath;
  const clusterId = options.clusterId ?? `wf${randomBytes(4).toString('hex')}`;
  const pins: Record<string, string> = {};
  const members: MemberConfig[] = [];
  mkdirSync(join(dir, 'pins'));
  const implementationOf = (id: string): HsmImplementation => options.implementations?.[id] ?? 'softhsm';
  for (const id of options.members) pins[id] = distinctivePin();
  for (const id of options.members.filter((member) => implementationOf(member) === 'softhsm')) {
    await initSoftHsmToken(setup, `${clusterId}-${id}`, pins[id] as string, distinctivePin());
    members.push({ id, pkcs11Module: setup.modulePath, tokenLabel: `${clusterId}-${id}`, pin: { file: '' } });
  }
  // Every token of one implementation in one call: each module reads its configuration once.
  for (const implementation of ['kryoptic', 'nss'] as const) {
    const ids = options.members.filter((member) => implementationOf(member) === implementation);
    if (ids.length === 0) continue;
    const provisioned = await provisionTokens(implementation, join(dir, implementation), ids.map((id) => ({ label: `${clusterId}-${id}`, userPin: pins[id] as string })));
    Object.assign(process.env, provisioned.environment);
    for (const id of ids) {
      members.push({
        id,
        pkcs11Module: provisioned.pkcs11Module,
        tokenLabel: `${clusterId}-${id}`,
        pin: { file: '' },
        environment: provisioned.environment,
        ...(provisioned.pkcs11LibraryParameters !== undefined ? { pkcs11LibraryParameters: provisioned.pkcs11LibraryParameters } : {}),
      });
    }
  }
  // In the order the options list them, each with its PIN file and overrides.
  members.sort((a, b) => options.members.indexOf(a.id) - options.members.indexOf(b.id));
  for (const member of members) {
    const pinFile = join(dir, 'pins', member.id);
    writeFileSync(pinFile, pins[member.id] as string, { mode: 0o600 });
    member.pin = { file: pinFile };
    const overrides = options.wrapMechanisms?.[member.id];
    if (overrides) member.wrapMechanisms = overrides;
  }
  const approvers = ['approver-1', 'approver-2', 'approver-3'].map(makeApprover);
  const cluster: Omit<ClusterConfig, 'members'> & { members: MemberConfig[] } = {
    id: clusterId,
    founder: options.members[0] ?? '',
    members,
    approvers: approvers.map((approver) => approver.config),
    policy: {
      sync: options.syncPolicy ?? { approvals: 0, timeoutSeconds: 60 },
      join: options.joinPolicy ?? { approvals: 2, timeoutSeconds: 60 },
      members: options.memberPolicies,
      parallelism: options.parallelism ?? 2,
      packageTtlSeconds: 3600,
      drift: { mode: 'off', intervalSeconds: 60 },
    },
  };
  const config: KeySyncConfig = {
    temporal: { address: testTemporalAddress(), namespace: 'default' },
    api: { port: 0 },
    packageStore: options.packageStore?.config ?? { dir: join(dir, 'packages') },
    auditArchive: { dir: join(dir, 'audit') },
    clusters: [cluster],
    principals: [],
  };

  const withToken = async <T>(member: string, use: (token: Token) => Promise<T>): Promise<T> => {
    const memberConfig = members.find((candidate) => candidate.id === member);
    if (!memberConfig) throw new Error(`no member ${member} in this fixture`);
    const token = await openToken(memberConfig);
    try {
      return await use(token);
    } finally {
      await token.close();
    }
  };

  // The founder makes the cluster secrets; the others get them through the real join path of libs/hsm.
  const [founder, ...others] = options.withSecrets;
  if (founder !== undefined) {
    await withToken(founder, (token) => token.createClusterSecrets());
    for (const member of others) {
      const transport = await withToken(member, (token) => token.createTransportKey());
      const wrapped = await withToken(founder, (token) => token.wrapClusterSecretsForTransport(transport.publicKeyDer, negotiateOaepHash(token.capabilities().oaepHashes, transport.oaepHashes)));
      await withToken(member, (token) => token.unwrapClusterSecretsFromTransport(wrapped.blob));
    }
  }

  const client = await connectTestClient();
  const connection = await connectTestWorkerConnection();
  const prefix = `${randomUUID()}-`;
  const orchestratorQueue = `${prefix}keysync`;
  const running: { workers: KeySyncWorkers; run: Promise<void>; orchestrator: boolean; ownConnection: NativeConnection | null }[] = [];

  return {
    dir,
    clusterId,
    config,
    packagesDir: options.packageStore?.filesDir ?? join(dir, 'packages'),
    cluster,
    approvers,
    pins,
    orchestratorQueue,
    client,
    connection,
    snapshot: () => ({
      id: cluster.id,
      members: members.map((member) => member.id),
      approvers: cluster.approvers,
      policy: cluster.policy,
    }),
    withToken,
    async startWorkers(start = {}) {
      const orchestrator = start.orchestrator ?? true;
      const ownConnection = start.temporal ? await connectWorkerConnection(start.temporal) : null;
      const workers = await createWorkers({
        config: start.temporal ? { ...config, temporal: start.temporal } : config,
        connection: ownConnection ?? connection,
        taskQueuePrefix: prefix,
        members: start.members ?? options.members,
        orchestrator,
      });
      const run = workers.run().catch((error: unknown) => {
        console.error('workers failed', error);
      });
      running.push({ workers, run, orchestrator, ownConnection });
      return workers;
    },
    async close() {
      if (running.some((entry) => entry.orchestrator)) await waitForArchives(client, orchestratorQueue);
      for (const { workers, run, ownConnection } of running) {
        await workers.shutdown();
        await run;
        await ownConnection?.close();
      }
      await connection.close();
      await client.connection.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
