// Issue 10, item 5: a cluster whose members are on separate hosts, as DESIGN 15 draws them. Each
// member's node agent is a worker process of its own, started from its own host folder (its own
// SoftHSM token store and softhsm2.conf, PIN file, S3 keys and agent configuration, with an
// environment that names nothing else); packages and the join's transport blobs go through S3 (the
// run's versitygw), never a shared folder; Temporal is the run's dev server. The orchestrator runs
// here from a configuration that names members by id only: no token, no PIN source. A join, a sync
// of every key type with one agent down and back, and the manual path (download on one side,
// upload for another member through the API) all complete; then each folder holds only its own
// member's token, and no PIN or S3 key is in any history or log.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkers } from '../../apps/worker/create-workers';
import type { KeySyncWorkers } from '../../apps/worker/create-workers';
import type { ClusterConfig, KeySyncConfig } from '../../libs/config/types';
import type { ClusterSnapshot } from '../../libs/contract/cluster';
import type { ClusterSecretsKcv, KeyGroup } from '../../libs/contract/keys';
import { approveUpdate, memberStateQuery, operationStateQuery } from '../../libs/contract/messages';
import type { JoinState } from '../../libs/contract/operations';
import { joinWorkflowId, keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { JoinWorkflow, KeySyncWorkflow, MemberSyncWorkflow } from '../../libs/contract/workflow-types';
import { startApiHarness } from '../api/support/api-harness';
import { stopWorkerProcess } from '../faults/support/worker-process';
import type { WorkerProcess } from '../faults/support/worker-process';
import { KEY_SPECS, WITH_CERTIFICATE } from '../hsm/support/key-specs';
import type { KeySpec } from '../hsm/support/key-specs';
import { objectFile, s3StoreConfig, testS3, uniquePrefix } from '../support/s3';
import { connectTestClient, connectTestWorkerConnection, testTemporalAddress } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { makeApprover, signApproval } from '../workflows/support/approvers';
import { waitForArchives } from '../workflows/support/cluster-fixture';
import { fetchHistoryJson, readableHistory } from '../workflows/support/histories';
import { createHost, filesOnHost, onHostToken, startHostAgent, tokenLabelsOnHost } from './support/host';
import type { TestHost } from './support/host';

const MEMBERS = ['n1', 'n2', 'n3'] as const;
type Member = (typeof MEMBERS)[number];
const TIMING = { nodeProbeSeconds: 3, nodeProbeMaxSeconds: 6, heartbeatSeconds: 30, callSeconds: 120, retryInitialSeconds: 1, retryMaxSeconds: 3 };

/** Every key type, under ids of their own (the batch's prefix, whole bytes of hex), so each batch is new to the targets. */
function batch(prefix: string): { specs: KeySpec[]; withCertificate: string[] } {
  return {
    specs: KEY_SPECS.map((spec) => ({ ...spec, id: `${prefix}${spec.id}`, label: `${spec.label}-${prefix}` })),
    withCertificate: WITH_CERTIFICATE.map((id) => `${prefix}${id}`),
  };
}

const identities = (groups: KeyGroup[]): string[] => groups.map((group) => `${group.class}:${group.id}:${group.fingerprint}:${group.hasCertificate ? 'cert' : ''}`).sort();

describe('a cluster whose members are on separate hosts', () => {
  const s3 = testS3();
  const clusterId = `hosts${randomBytes(3).toString('hex')}`;
  const prefix = uniquePrefix('hosts');
  const approvers = ['approver-1', 'approver-2', 'approver-3'].map(makeApprover);
  const hosts = {} as Record<Member, TestHost>;
  const agents = {} as Record<Member, WorkerProcess>;
  const retired: WorkerProcess[] = [];
  let root: string;
  let config: KeySyncConfig;
  let orchestrator: KeySyncWorkers;
  let orchestratorRun: Promise<void>;
  let client: Client;
  let connection: NativeConnection;
  const orchestratorQueue = `${randomUUID()}-keysync`;
  const operations: string[] = [];

  const snapshot = (): ClusterSnapshot => {
    const cluster = config.clusters[0]!;
    return { id: cluster.id, members: cluster.members.map((member) => member.id), approvers: cluster.approvers, policy: cluster.policy };
  };

  async function startAgent(member: Member): Promise<void> {
    const agent = startHostAgent(hosts[member]);
    agents[member] = agent;
    await agent.waitForOutput('workers polling');
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'keysync-hosts-'));
    for (const member of MEMBERS) hosts[member] = await createHost(root, { clusterId, member, s3, prefix });

    // The orchestrator's configuration: members by id, no token and no PIN source; the store is
    // named for the API's manual path (the orchestrator itself never opens it).
    const cluster: ClusterConfig = {
      id: clusterId,
      founder: 'n1',
      members: MEMBERS.map((id) => ({ id })),
      approvers: approvers.map((approver) => approver.config),
      policy: {
        sync: { approvals: 0, timeoutSeconds: 600 },
        join: { approvals: 1, timeoutSeconds: 600 },
        parallelism: 3,
        packageTtlSeconds: 3600,
        drift: { mode: 'off', intervalSeconds: 60 },
      },
    };
    config = {
      temporal: { address: testTemporalAddress(), namespace: 'default' },
      api: { port: 0 },
      packageStore: s3StoreConfig(s3, prefix),
      auditArchive: { dir: join(root, 'orchestrator', 'audit') },
      clusters: [cluster],
      principals: [],
    };

    // The founder's token: the cluster transfer secrets and one key of every type, made on its host.
    await onHostToken(hosts.n1, { command: 'create-cluster-secrets' });
    await onHostToken(hosts.n1, { command: 'generate-keys', ...batch('') });

    client = await connectTestClient();
    connection = await connectTestWorkerConnection();
    orchestrator = await createWorkers({ config, connection, orchestrator: true, taskQueuePrefix: orchestratorQueue.replace(/keysync$/, '') });
    orchestratorRun = orchestrator.run();
    for (const member of MEMBERS) await startAgent(member);
  });

  afterAll(async () => {
    if (client) await waitForArchives(client, orchestratorQueue);
    for (const agent of [...Object.values(agents), ...retired]) await stopWorkerProcess(agent);
    await orchestrator?.shutdown();
    await orchestratorRun?.catch(() => undefined);
    await connection?.close();
    await client?.connection.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function joinCluster(member: Member): Promise<JoinState> {
    const handle = await client.workflow.start<JoinWorkflow>(workflowTypes.join, {
      taskQueue: orchestratorQueue,
      workflowId: joinWorkflowId(clusterId, member),
      args: [{ cluster: snapshot(), member, sponsor: 'n1', requestedBy: 'admin', reason: `${member} joins from its own host`, timing: TIMING }],
    });
    operations.push(handle.workflowId);
    const fingerprint = await waitFor(
      async () => {
        const state = (await handle.query(operationStateQuery)) as JoinState;
        return state.members[0]?.state === 'awaiting-approval' ? state.transportFingerprint : null;
      },
      { timeoutMs: 60_000, description: `${member}'s join to await its approval` },
    );
    await handle.executeUpdate(approveUpdate, { args: [signApproval(approvers[0]!, { workflowId: handle.workflowId, member, subject: fingerprint })] });
    return handle.result();
  }

  /** A member's live state in a keySync, or null before its memberSync starts. */
  async function memberStateOf(keySyncId: string, member: Member): Promise<string | null> {
    return client.workflow
      .getHandle(memberSyncWorkflowId(keySyncId, member))
      .query(memberStateQuery)
      .then((status) => status.state)
      .catch(() => null);
  }

  it('two fresh members join through their own hosts: the transport blob and a key of every type travel through S3', async () => {
    const packages: string[] = [];
    for (const member of ['n2', 'n3'] as const) {
      const result = await joinCluster(member);
      expect(result).toMatchObject({ state: 'completed', phase: 'done', member });
      expect(result.members[0]).toMatchObject({ member, state: 'in-sync', keysImported: KEY_SPECS.length });
      packages.push((await client.workflow.getHandle<KeySyncWorkflow>(result.keySyncWorkflowId!).result()).package!.digest);
    }
    // In the bucket, and nowhere else: each join's package, and each join's wrapped cluster secrets.
    const objects = readdirSync(objectFile(s3, prefix));
    expect(objects).toEqual(expect.arrayContaining(packages));
    expect(objects.filter((digest) => !packages.includes(digest))).toHaveLength(2);
    const founderKcv = await onHostToken<ClusterSecretsKcv>(hosts.n1, { command: 'cluster-secrets-kcv' });
    for (const member of ['n2', 'n3'] as const) expect(await onHostToken<ClusterSecretsKcv>(hosts[member], { command: 'cluster-secrets-kcv' })).toEqual(founderKcv);
  }, 300_000);

  it('a sync of every key type completes on both members, one of them with its agent stopped and started again', async () => {
    await onHostToken(hosts.n1, { command: 'generate-keys', ...batch('e0') });
    retired.push(agents.n3);
    expect(await stopWorkerProcess(agents.n3)).toEqual({ code: 0, signal: null });

    const handle = await client.workflow.start<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: orchestratorQueue,
      workflowId: keySyncWorkflowId(clusterId, randomUUID()),
      args: [{ cluster: snapshot(), source: 'n1', requestedBy: 'operator', reason: 'every key type, one agent down', timing: TIMING }],
    });
    operations.push(handle.workflowId);
    // n2 completes while n3's agent is away; n3 shows waiting-for-node meanwhile.
    await waitFor(async () => (await memberStateOf(handle.workflowId, 'n3')) === 'waiting-for-node', { timeoutMs: 120_000, description: 'n3 to show waiting-for-node' });
    const n2 = await client.workflow.getHandle<MemberSyncWorkflow>(memberSyncWorkflowId(handle.workflowId, 'n2')).result();
    expect(n2).toMatchObject({ state: 'in-sync', keysImported: KEY_SPECS.length });
    expect(await memberStateOf(handle.workflowId, 'n3')).toBe('waiting-for-node');

    await startAgent('n3');
    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect(result.members.map(({ member, state, keysImported }) => ({ member, state, keysImported }))).toEqual([
      { member: 'n2', state: 'in-sync', keysImported: KEY_SPECS.length },
      { member: 'n3', state: 'in-sync', keysImported: KEY_SPECS.length },
    ]);
    // The package went through the bucket: its object is in versitygw's folder, under the cluster's prefix.
    expect(readdirSync(objectFile(s3, prefix))).toContain(result.package!.digest);
  }, 300_000);

  it('the manual path: a package downloaded on one side and uploaded for another member through the API is imported there', async () => {
    const manual = batch('f0');
    await onHostToken(hosts.n1, { command: 'generate-keys', specs: manual.specs.filter((spec) => ['f0b1', 'f0c3'].includes(spec.id)), withCertificate: ['f0b1'] });
    // A sync to n2 only: n3 is the member "the source cannot reach".
    const sync = await client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: orchestratorQueue,
      workflowId: keySyncWorkflowId(clusterId, randomUUID()),
      args: [{ cluster: snapshot(), source: 'n1', targets: ['n2'], requestedBy: 'operator', reason: 'to n2 only', timing: TIMING }],
    });
    operations.push(sync.operationId);
    expect(sync).toMatchObject({ state: 'completed', members: [{ member: 'n2', state: 'in-sync', keysImported: 2 }] });
    const digest = sync.package!.digest;

    const api = await startApiHarness({ baseConfig: config, orchestratorTaskQueue: orchestratorQueue });
    try {
      const download = await fetch(`${api.baseUrl}/v1/packages/${digest}`, { headers: { authorization: `Bearer ${api.tokens.operator}` } });
      expect(download.status).toBe(200);
      const file = Buffer.from(await download.arrayBuffer());
      const upload = await api.request('POST', `/v1/clusters/${clusterId}/members/n3/packages?digest=${digest}`, { as: 'operator', body: file, headers: { 'content-type': 'application/octet-stream' } });
      expect(upload.status).toBe(202);
      const operationId = upload.body.operationId as string;
      operations.push(operationId);
      const imported = await client.workflow.getHandle<MemberSyncWorkflow>(operationId).result();
      expect(imported).toMatchObject({ member: 'n3', state: 'in-sync', keysImported: 2 });
      for (const text of [api.logText(), upload.text]) expect(text).not.toContain(s3.secretAccessKey);
    } finally {
      await api.close();
    }
  }, 300_000);

  it('every member ends with the founder\'s keys, each host folder holds only its own member\'s token, and no secret is in a history or a log', async () => {
    const founder = identities(await onHostToken<KeyGroup[]>(hosts.n1, { command: 'inventory' }));
    expect(founder).toHaveLength(KEY_SPECS.length * 2 + 2);
    for (const member of ['n2', 'n3'] as const) expect(identities(await onHostToken<KeyGroup[]>(hosts[member], { command: 'inventory' }))).toEqual(founder);

    const others = (member: Member) => MEMBERS.filter((other) => other !== member).map((other) => hosts[other]);
    for (const member of MEMBERS) {
      const host = hosts[member];
      expect(await tokenLabelsOnHost(host), `tokens in ${member}'s folder`).toEqual([host.tokenLabel]);
      const files = filesOnHost(host);
      // Its configuration, PIN file, S3 keys, SoftHSM store and write lock: no package, no other member's anything.
      expect(files.filter((file) => !/^(agent\.json|softhsm2\.conf|n\d\.pin|s3\/(access-key-id|secret-access-key)|tokens\/[0-9a-f-]+\/[\w.-]+|locks\/.*)$/.test(file)), `files in ${member}'s folder`).toEqual([]);
      expect(files.filter((file) => file.endsWith('.pin'))).toEqual([`${member}.pin`]);
      expect(new Set(files.filter((file) => file.startsWith('tokens/')).map((file) => file.split('/')[1])).size, `token folders in ${member}'s folder`).toBe(1);
      const contents = files.map((file) => readFileSync(join(host.dir, file)).toString('latin1')).join('\n');
      for (const other of others(member)) {
        expect(contents).not.toContain(other.pin);
        expect(contents).not.toContain(other.tokenLabel);
      }
      expect(host.config.agent.member.id).toBe(member);
      expect(Object.keys(JSON.parse(readFileSync(host.configFile, 'utf8')) as object).sort()).toEqual(['agent', 'locks', 'packageStore', 'temporal']);
    }

    const secrets = [s3.secretAccessKey, s3.accessKeyId, ...MEMBERS.map((member) => hosts[member].pin)];
    for (const agent of [...Object.values(agents), ...retired]) {
      for (const secret of secrets) expect(agent.output()).not.toContain(secret);
    }
    let scanned = 0;
    for await (const execution of client.workflow.list({ query: `KeySyncCluster = '${clusterId}'` })) {
      const text = readableHistory(await fetchHistoryJson(client, execution.workflowId, execution.runId));
      scanned += 1;
      for (const secret of secrets) expect(text.includes(secret), `a secret in ${execution.workflowId}`).toBe(false);
    }
    expect(scanned).toBeGreaterThanOrEqual(operations.length);
  }, 120_000);
});
