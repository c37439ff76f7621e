// Mutual TLS to Temporal and HTTPS for the API, with real certificates (a CA, a server certificate,
// client certificates; made by libs/tls with the openssl CLI) and a real TLS terminator.
//
// What is TLS here and what is not: the Temporal CLI's dev server cannot terminate TLS, so a mutual-
// TLS terminator (test/support/tls-terminator.ts: Node's tls server, requestCert and
// rejectUnauthorized, as a sidecar or a load balancer in front of Temporal does in production)
// accepts only clients whose certificate this test's CA signed and pipes each accepted connection
// to the dev server's plaintext port on loopback. Over TLS: n2's node agent (a real worker process,
// apps/worker/main.ts, from an agent configuration with temporal.tls), the orchestrator (in this
// process, its native and client connections made by libs/temporal from temporal.tls), the API's
// connection to Temporal, and the CLI's HTTPS calls to the API. Not over TLS: the dev server's own
// port behind the terminator, n1's agent and the test's own client (plaintext, on the fixture's
// connection), and the S3 or folder package store (not part of this test).
import { get } from 'node:https';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalConfig } from '../../libs/config/types';
import { freePort } from '../../libs/config/ports';
import { validateAgentConfig } from '../../libs/config/validate-agent-config';
import { keySyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { sha256Hex } from '../../libs/digest';
import { createCertificateAuthority, issueCertificate } from '../../libs/tls/openssl-pki';
import type { CertificateFiles } from '../../libs/tls/openssl-pki';
import { runCli } from '../cli/support/run-cli';
import { makeKeys } from '../concurrency/support/exactly-once';
import { startWorkerProcess, stopWorkerProcess } from '../faults/support/worker-process';
import type { WorkerProcess } from '../faults/support/worker-process';
import { runApi } from '../support/api-process';
import type { RunningApi } from '../support/api-process';
import { testTemporalAddress } from '../support/temporal';
import { startTlsTerminator } from '../support/tls-terminator';
import type { TlsTerminator } from '../support/tls-terminator';
import { waitFor } from '../support/wait-for';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';

const SERVER_NAME = 'temporal.keysync.test';
const AUDITOR_TOKEN = `auditor-${randomUUID()}`;

interface Pki {
  ca: CertificateFiles;
  temporalServer: CertificateFiles;
  apiServer: CertificateFiles;
  orchestrator: CertificateFiles;
  agent: CertificateFiles;
  api: CertificateFiles;
  /** A client certificate from a CA the terminator does not trust. */
  stranger: CertificateFiles;
}

async function makePki(dir: string): Promise<Pki> {
  const ca = await createCertificateAuthority(dir, 'keysync-test-ca');
  const otherCa = await createCertificateAuthority(join(dir, 'other'), 'other-ca');
  const client = (name: string) => issueCertificate(ca, dir, { name, usage: 'client' });
  return {
    ca,
    temporalServer: await issueCertificate(ca, dir, { name: 'temporal', usage: 'server', dnsNames: [SERVER_NAME] }),
    apiServer: await issueCertificate(ca, dir, { name: 'api-https', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
    orchestrator: await client('orchestrator'),
    agent: await client('agent-n2'),
    api: await client('api'),
    stranger: await issueCertificate(otherCa, join(dir, 'other'), { name: 'stranger', usage: 'client' }),
  };
}

/** GET over HTTPS, trusting only `caFile`: the status and the JSON body. */
function httpsGetJson(url: string, caFile: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    get(url, { ca: readFileSync(caFile) }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    }).on('error', reject);
  });
}

describe('mutual TLS to Temporal, HTTPS for the API', () => {
  let fixture: ClusterFixture;
  let pki: Pki;
  let terminator: TlsTerminator;
  let hostDir: string;
  const processes: WorkerProcess[] = [];
  let api: RunningApi | null = null;

  /** Temporal through the terminator, as a process with this client certificate sees it. */
  const overTls = (client: CertificateFiles): TemporalConfig => ({
    address: terminator.address,
    namespace: 'default',
    tls: { caFile: pki.ca.certFile, certFile: client.certFile, keyFile: client.keyFile, serverName: SERVER_NAME },
  });

  /** n2's agent configuration in its host folder, with the given Temporal section; its path. */
  function writeAgentConfig(name: string, temporal: unknown): string {
    const member = fixture.cluster.members.find((candidate) => candidate.id === 'n2')!;
    const raw = {
      temporal,
      packageStore: fixture.config.packageStore,
      agent: {
        cluster: fixture.clusterId,
        member: { id: 'n2', pkcs11Module: member.pkcs11Module, tokenLabel: member.tokenLabel, pin: member.pin, environment: { SOFTHSM2_CONF: process.env.SOFTHSM2_CONF } },
      },
    };
    const file = join(hostDir, `${name}.json`);
    validateAgentConfig(raw, file, hostDir);
    writeFileSync(file, JSON.stringify(raw, null, 2));
    return file;
  }

  /** Starts n2's agent from that configuration; it must fail to start: its exit and output. */
  async function refusedStart(configFile: string): Promise<{ code: number | null; output: string; ms: number }> {
    const started = Date.now();
    const agent = startWorkerProcess(configFile, []);
    processes.push(agent);
    const exit = await Promise.race([
      agent.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the agent did not stop within 45 s: ${agent.output()}`)), 45_000)),
    ]);
    return { code: exit.code, output: agent.output(), ms: Date.now() - started };
  }

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['n1', 'n2'], withSecrets: ['n1', 'n2'] });
    hostDir = join(fixture.dir, 'hosts', 'n2');
    mkdirSync(hostDir, { recursive: true });
    pki = await makePki(join(fixture.dir, 'pki'));
    terminator = await startTlsTerminator({ upstream: testTemporalAddress(), ...pki.temporalServer, clientCaFile: pki.ca.certFile });
    // The orchestrator over mutual TLS; n1's agent on the fixture's plaintext connection.
    await fixture.startWorkers({ members: [], orchestrator: true, temporal: overTls(pki.orchestrator) });
    await fixture.startWorkers({ members: ['n1'], orchestrator: false });
  });

  afterAll(async () => {
    api?.kill('SIGTERM');
    await api?.exited;
    for (const agent of processes) await stopWorkerProcess(agent);
    await fixture?.close();
    await terminator?.close();
  });

  it('runs a node agent process over mutual TLS, which imports a sync', async () => {
    const agent = startWorkerProcess(writeAgentConfig('agent', overTls(pki.agent)), []);
    processes.push(agent);
    await agent.waitForOutput('workers polling');

    const keyIds = await makeKeys(fixture, 'n1', 'c1', 2);
    const result = await fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId: keySyncWorkflowId(fixture.clusterId, randomUUID()),
      args: [{ cluster: fixture.snapshot(), source: 'n1', targets: ['n2'], keyIds, requestedBy: 'operator', reason: 'mutual TLS', timing: { nodeProbeSeconds: 20 } }],
    });
    expect(result.members.map(({ member, state, keysImported }) => ({ member, state, keysImported }))).toEqual([{ member: 'n2', state: 'in-sync', keysImported: 2 }]);
    expect(agent.output()).toContain('package imported');
    expect(agent.output()).not.toContain(fixture.pins.n2);
  });

  it('refuses an agent without a client certificate at start, saying to set temporal.tls, without hanging', async () => {
    const refusals = terminator.refusals().length;
    const { code, output, ms } = await refusedStart(writeAgentConfig('plaintext', { address: terminator.address }));
    expect(code).toBe(1);
    expect(output).toContain(`Cannot reach Temporal at ${terminator.address}`);
    expect(output).toContain('If it requires TLS, set temporal.tls (caFile, certFile, keyFile) in the configuration.');
    expect(ms).toBeLessThan(40_000);
    expect(terminator.refusals().length).toBeGreaterThan(refusals);
  });

  it('refuses an agent whose client certificate another CA signed, naming what to check', async () => {
    const refusals = terminator.refusals().length;
    const { code, output } = await refusedStart(writeAgentConfig('stranger', overTls(pki.stranger)));
    expect(code).toBe(1);
    expect(output).toContain(`Cannot connect to Temporal at ${terminator.address} over mutual TLS`);
    expect(output).toContain('the server trusts the CA that issued temporal.tls.certFile');
    expect(terminator.refusals().length).toBeGreaterThan(refusals);
  });

  it('refuses to start on a missing key file, naming the field and the file, before connecting', async () => {
    const missing = join(hostDir, 'tls', 'agent-n2.key');
    const refusals = terminator.refusals().length;
    const { code, output } = await refusedStart(writeAgentConfig('missing-key', { ...overTls(pki.agent), tls: { ...overTls(pki.agent).tls, keyFile: missing } }));
    expect(code).toBe(1);
    expect(output).toContain(`temporal.tls.keyFile: ${missing} cannot be read (ENOENT)`);
    expect(terminator.refusals().length).toBe(refusals);
  });

  it('runs the API over HTTPS with mutual TLS to Temporal, and the CLI reaches it with NODE_EXTRA_CA_CERTS', async () => {
    const port = await freePort();
    const configFile = join(fixture.dir, 'api.json');
    // The API's configuration names no token and no PIN source: member ids, approvers, policy.
    writeFileSync(
      configFile,
      JSON.stringify({
        temporal: overTls(pki.api),
        api: { port, tls: pki.apiServer },
        packageStore: fixture.config.packageStore,
        auditArchive: fixture.config.auditArchive,
        clusters: [{ ...fixture.snapshot(), founder: 'n1', members: fixture.cluster.members.map(({ id }) => ({ id })) }],
        principals: [{ id: 'auditor', roles: ['auditor'], tokenSha256: sha256Hex(AUDITOR_TOKEN) }],
      }),
    );
    api = runApi({ KEYSYNC_CONFIG: configFile, KEYSYNC_API_PORT: String(port) });
    const url = `https://127.0.0.1:${port}`;
    const health = await waitFor(
      async () => {
        if (api?.output().includes('could not start')) throw new Error(api.output());
        return (await httpsGetJson(`${url}/v1/health`, pki.ca.certFile)).body as { temporal: { reachable: boolean; address: string } };
      },
      { timeoutMs: 60_000, description: 'the API to answer /v1/health over HTTPS' },
    );
    expect(health.temporal).toEqual({ reachable: true, address: terminator.address });
    expect(api.output()).toContain(`"url":"${url}"`);

    const cli = ['audit', 'member', '--cluster', fixture.clusterId, '--member', 'n2', '--api', url, '--token', AUDITOR_TOKEN];
    const trusted = await runCli(cli, { NODE_EXTRA_CA_CERTS: pki.ca.certFile });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toMatch(/Audit trail of n2|No operation has touched n2/);

    const untrusted = await runCli(cli, {});
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toContain('Set NODE_EXTRA_CA_CERTS to the PEM file of the CA that signed it');
    expect(`${api.output()}${trusted.stdout}${untrusted.stderr}`).not.toContain(AUDITOR_TOKEN);
  });
});
