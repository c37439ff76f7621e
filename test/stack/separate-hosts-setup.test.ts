// The one-shot set-up of members on separate hosts, as docker-compose.yml runs it: the TLS
// material (one folder per identity), each agent's host (its SoftHSM token, made from its own agent
// configuration), the orchestrator's and the API's configuration from a template (member ids only),
// and the package store's bucket. Each part is idempotent: a second run changes nothing.
import { spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureConfigFromTemplate } from '../../apps/stack/separate-hosts/config-from-template';
import { ensureBucket } from '../../apps/stack/separate-hosts/ensure-bucket';
import { ensureTlsFolders, parseTlsIdentity } from '../../apps/stack/separate-hosts/tls-folders';
import { loadConfig, loadWorkerConfig } from '../../libs/config/load-config';
import { repoRoot, statePaths } from '../../libs/config/paths';
import { openToken } from '../../libs/hsm';
import { findSoftHsmModule } from '../../libs/hsm/softhsm';
import { TEST_S3_ENV, testS3 } from '../support/s3';

const dir = mkdtempSync(join(tmpdir(), 'keysync-hosts-setup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runPrepareHost(configFile: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot(), 'apps', 'stack', 'prepare-host-main.ts'), ...args], {
    cwd: repoRoot(),
    env: { ...process.env, KEYSYNC_CONFIG: configFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('set-up of members on separate hosts', () => {
  it('makes a CA and one folder per identity (ca.pem, cert.pem, key.pem 0600), with the right names and usages, once', async () => {
    const root = join(dir, 'tls');
    const identities = ['temporal=server-and-client:temporal,localhost,127.0.0.1', 'node2=client'].map(parseTlsIdentity);
    expect(await ensureTlsFolders(root, identities)).toEqual({ created: ['temporal', 'node2'] });
    const ca = new X509Certificate(readFileSync(join(root, 'ca', 'keysync-ca.pem')));
    const server = new X509Certificate(readFileSync(join(root, 'temporal', 'cert.pem')));
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('DNS:temporal, DNS:localhost, IP Address:127.0.0.1');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(new X509Certificate(readFileSync(join(root, 'node2', 'cert.pem'))).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(readdirSync(join(root, 'node2')).sort()).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
    expect(statSync(join(root, 'node2', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(await ensureTlsFolders(root, identities)).toEqual({ created: [] });
    expect(() => parseTlsIdentity('node2=peer')).toThrow(/is not <name>=<usage>\[:<host>,\.\.\.\] with usage server, client, server-and-client/);
  });

  it('makes the founder\'s token from its own agent configuration, with the cluster secrets and the demo keys, once', async () => {
    const host = join(dir, 'hosts', 'node1');
    mkdirSync(host, { recursive: true });
    const configFile = join(host, 'agent.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        temporal: { address: 'temporal:7233' },
        packageStore: { dir: 'packages' },
        agent: { cluster: 'demo', member: { id: 'node1', pkcs11Module: findSoftHsmModule(), tokenLabel: 'node1', pin: { file: 'node1.pin' }, environment: { SOFTHSM2_CONF: 'softhsm2.conf' } } },
      }),
    );
    const first = await runPrepareHost(configFile, ['--founder']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain('token "node1" made in');
    expect(statSync(join(host, 'node1.pin')).mode & 0o777).toBe(0o600);
    expect(readdirSync(host).sort()).toEqual(['agent.json', 'node1.pin', 'softhsm2.conf', 'tokens']);
    const second = await runPrepareHost(configFile, ['--founder']);
    expect(second).toMatchObject({ code: 0 });
    expect(second.output).toContain('already prepared');
    expect(`${first.output}${second.output}`).not.toContain(readFileSync(join(host, 'node1.pin'), 'utf8'));

    process.env.SOFTHSM2_CONF = join(host, 'softhsm2.conf');
    const config = loadWorkerConfig(configFile);
    if (!('agent' in config)) throw new Error('expected an agent configuration');
    const token = await openToken(config.agent.member);
    try {
      expect(await token.clusterSecretsKcv()).toMatchObject({ ktkKcv: expect.any(String) as string });
      expect((await token.inventory()).map((group) => group.label).sort()).toEqual(['DatabaseProtection key', 'IssuingCA signKey', 'ManagementCA signKey']);
    } finally {
      await token.close();
    }
  });

  it('refuses to prepare a member whose agent configuration names no SoftHSM configuration, saying why', async () => {
    const configFile = join(dir, 'hsm-agent.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        temporal: { address: 'temporal:7233' },
        packageStore: { dir: 'packages' },
        agent: { cluster: 'demo', member: { id: 'node9', pkcs11Module: '/opt/vendor/libcknfast.so', tokenLabel: 'node9', pin: { env: 'NODE9_PIN' } } },
      }),
    );
    const run = await runPrepareHost(configFile, []);
    expect(run.code).toBe(1);
    expect(run.output).toContain('prepare-host makes SoftHSM tokens only');
  });

  it('completes the orchestrator\'s and the API\'s configuration from a template: member ids only, demo approvers and principals, no PIN', () => {
    const paths = statePaths(join(dir, 'control'));
    mkdirSync(paths.home, { recursive: true });
    const template = join(dir, 'config.template.json');
    writeFileSync(
      template,
      JSON.stringify({
        temporal: { address: 'temporal:7233' },
        api: { port: 3000, tls: { certFile: '/tls-https/cert.pem', keyFile: '/tls-https/key.pem' } },
        packageStore: { dir: 'packages' },
        auditArchive: { dir: 'audit' },
        clusters: [{ id: 'demo', founder: 'node1', members: [{ id: 'node1' }, { id: 'node2' }], policy: { sync: { approvals: 1, timeoutSeconds: 60 }, join: { approvals: 2, timeoutSeconds: 60 } } }],
      }),
    );
    expect(ensureConfigFromTemplate(paths, template, { api: 3000, temporal: 7233, ui: 8233 })).toBe(true);
    const config = loadConfig(paths.config, {});
    expect(config.clusters[0]?.members).toEqual([{ id: 'node1' }, { id: 'node2' }]);
    expect(config.clusters[0]?.approvers.map((approver) => approver.id)).toEqual(['approver-1', 'approver-2', 'approver-3']);
    expect(config.principals.map((principal) => principal.id)).toEqual(['operator', 'approver-1', 'approver-2', 'approver-3', 'auditor', 'admin']);
    const demo = JSON.parse(readFileSync(paths.demo, 'utf8')) as { apiUrl: string; members: unknown[]; tokens: Record<string, string>; approverKeys: Record<string, string> };
    expect(demo.apiUrl).toBe('https://127.0.0.1:3000');
    expect(demo.members).toEqual([{ id: 'node1' }, { id: 'node2' }]);
    expect(Object.keys(demo.tokens)).toHaveLength(6);
    expect(Object.values(demo.approverKeys).every((file) => existsSync(file))).toBe(true);
    expect(statSync(paths.config).mode & 0o777).toBe(0o600);
    const written = readFileSync(paths.config, 'utf8');
    expect(ensureConfigFromTemplate(paths, template, { api: 3000, temporal: 7233, ui: 8233 })).toBe(false);
    expect(readFileSync(paths.config, 'utf8')).toBe(written);
  });

  it('makes the package store\'s bucket on the S3 server when missing, and keeps it after', async () => {
    const s3 = testS3();
    const settings = {
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: `ks-setup-${randomBytes(4).toString('hex')}`,
      forcePathStyle: true,
      accessKeyId: { env: TEST_S3_ENV.accessKeyId },
      secretAccessKey: { env: TEST_S3_ENV.secretAccessKey },
    };
    expect(await ensureBucket(settings)).toBe('created');
    expect(await ensureBucket(settings)).toBe('present');
    expect(existsSync(join(s3.dataDir, settings.bucket))).toBe(true);
  });
});
