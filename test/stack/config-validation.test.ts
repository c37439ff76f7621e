// The configuration is checked at start: every problem named by its field, no secret echoed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from '../../libs/config/config-error';
import { loadConfig } from '../../libs/config/load-config';
import { loadWorkerConfig } from '../../libs/config/load-config';
import { validateAgentConfig, validateWorkerConfig } from '../../libs/config/validate-agent-config';
import { validateConfig } from '../../libs/config/validate-config';

const dir = mkdtempSync(join(tmpdir(), 'keysync-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PUBLIC_KEY = Buffer.alloc(32, 7).toString('base64');

function validConfig(): Record<string, unknown> {
  return {
    temporal: { address: '127.0.0.1:7233', namespace: 'default' },
    api: { port: 3000 },
    packageStore: { dir: 'packages' },
    auditArchive: { dir: '/var/lib/keysync/audit' },
    clusters: [
      {
        id: 'demo',
        founder: 'node1',
        members: [
          { id: 'node1', pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'node1', pin: { file: 'pins/node1.pin' } },
          { id: 'node2', pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'node2', pin: { env: 'NODE2_PIN' } },
        ],
        approvers: [{ id: 'approver-1', publicKey: PUBLIC_KEY }],
        policy: { sync: { approvals: 1, timeoutSeconds: 3600 }, join: { approvals: 1, timeoutSeconds: 3600 } },
      },
    ],
    principals: [{ id: 'operator', roles: ['operator'], tokenSha256: 'a'.repeat(64) }],
  };
}

function issuesOf(raw: unknown): ConfigError {
  try {
    validateConfig(raw, 'test.json', dir);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration validation', () => {
  it('accepts a valid file, fills the defaults and resolves relative paths against its folder', () => {
    const config = validateConfig(validConfig(), 'test.json', '/etc/keysync');
    expect(config.packageStore).toEqual({ dir: '/etc/keysync/packages' });
    expect(config.auditArchive.dir).toBe('/var/lib/keysync/audit');
    expect(config.clusters[0]?.members[0]?.pin).toEqual({ file: '/etc/keysync/pins/node1.pin' });
    expect(config.clusters[0]?.members[1]?.pin).toEqual({ env: 'NODE2_PIN' });
    expect(config.clusters[0]?.policy).toMatchObject({ parallelism: 4, packageTtlSeconds: 86_400, drift: { mode: 'alert', intervalSeconds: 300 } });
  });

  it('refuses a PIN written into the file, naming the field and never repeating the PIN', () => {
    const raw = validConfig();
    const cluster = (raw.clusters as Array<{ members: Array<Record<string, unknown>> }>)[0]!;
    cluster.members[1]!.pin = '98127364';
    const error = issuesOf(raw);
    expect(error.issues.map((i) => i.field)).toEqual(['clusters[0].members[1].pin']);
    expect(error.issues[0]?.problem).toContain('{"env": "VARIABLE"} or {"file": "path"}');
    expect(error.message).toContain('clusters[0].members[1].pin');
    expect(error.message).not.toContain('98127364');
  });

  it('refuses a bearer token where its SHA-256 belongs, without repeating the token', () => {
    const raw = validConfig();
    (raw.principals as Array<Record<string, unknown>>)[0]!.tokenSha256 = 'secret-token-do-not-log';
    const error = issuesOf(raw);
    expect(error.issues.map((i) => i.field)).toEqual(['principals[0].tokenSha256']);
    expect(error.message).toContain('never the token itself');
    expect(error.message).not.toContain('secret-token-do-not-log');
  });

  it('reports every problem of a file at once, each by its field', () => {
    const raw = validConfig();
    const cluster = (raw.clusters as Array<Record<string, unknown>>)[0]!;
    cluster.founder = 'node9';
    cluster.policy = { sync: { approvals: 2, timeoutSeconds: 0 }, join: { approvals: 1, timeoutSeconds: 60 }, drift: { mode: 'sometimes', intervalSeconds: 60 } };
    (cluster.members as Array<Record<string, unknown>>)[1]!.id = 'node1';
    (cluster.approvers as Array<Record<string, unknown>>)[0]!.publicKey = 'bm90LWEta2V5';
    (raw.temporal as Record<string, unknown>).address = 'localhost';
    raw.packageStor = { dir: 'typo' };
    const fields = issuesOf(raw).issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'clusters[0].founder',
        'clusters[0].policy.sync.approvals',
        'clusters[0].policy.sync.timeoutSeconds',
        'clusters[0].policy.drift.mode',
        'clusters[0].members[1].id',
        'clusters[0].approvers[0].publicKey',
        'temporal.address',
        'packageStor',
      ]),
    );
    expect(fields).toHaveLength(8);
  });

  it('refuses a file with no clusters and names the missing sections', () => {
    const fields = issuesOf({ temporal: { address: '127.0.0.1:7233' } }).issues.map((i) => i.field);
    expect(fields).toEqual(['packageStore', 'packageStore.dir', 'auditArchive', 'auditArchive.dir', 'clusters', 'principals']);
  });

  it('loads the same configuration from YAML', () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, toYaml(validConfig()));
    const config = loadConfig(file);
    expect(config.clusters[0]?.members.map((m) => m.id)).toEqual(['node1', 'node2']);
    expect(config.packageStore).toEqual({ dir: join(dir, 'packages') });
  });

  it('lets KEYSYNC_TEMPORAL_ADDRESS replace the Temporal address, and checks it', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(validConfig()));
    expect(loadConfig(file, {}).temporal.address).toBe('127.0.0.1:7233');
    expect(loadConfig(file, { KEYSYNC_TEMPORAL_ADDRESS: 'temporal:7233' }).temporal.address).toBe('temporal:7233');
    expect(() => loadConfig(file, { KEYSYNC_TEMPORAL_ADDRESS: 'temporal' })).toThrow(/temporal\.address: KEYSYNC_TEMPORAL_ADDRESS, which replaces it, must be host:port/);
  });

  it('reports a file that does not parse by position, without quoting its text', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "pin": "55501234" oops }');
    expect(() => loadConfig(file)).toThrow(/broken\.json is not valid[\s\S]*not valid JSON \(at position \d+\)/);
    try {
      loadConfig(file);
    } catch (error) {
      expect((error as Error).message).not.toContain('55501234');
    }
  });

  it('says how to get a configuration when the file is missing', () => {
    expect(() => loadConfig(join(dir, 'absent.json'))).toThrow(/cannot be read \(ENOENT\); run `npm start` once/);
  });
});

/** An agent configuration as the README shows it: one member, its token and its module's environment. */
function agentConfig(): Record<string, unknown> {
  return {
    temporal: { address: 'temporal.example:7233', tls: { caFile: 'tls/ca.pem', certFile: 'tls/node2.pem', keyFile: 'tls/node2.key', serverName: 'temporal.example' } },
    packageStore: { dir: 'packages' },
    agent: {
      cluster: 'demo',
      member: {
        id: 'node2',
        pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so',
        tokenLabel: 'node2',
        pin: { file: 'node2.pin' },
        environment: { SOFTHSM2_CONF: 'softhsm2.conf', VENDOR_FLAG: 'on' },
      },
    },
  };
}

describe('agent configuration', () => {
  it('holds one member: its token, the module environment (SOFTHSM2_CONF as a path) and paths resolved against the file', () => {
    const config = validateAgentConfig(agentConfig(), 'agent.json', '/hosts/node2');
    expect(config.agent).toEqual({
      cluster: 'demo',
      member: {
        id: 'node2',
        pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so',
        tokenLabel: 'node2',
        pin: { file: '/hosts/node2/node2.pin' },
        environment: { SOFTHSM2_CONF: '/hosts/node2/softhsm2.conf', VENDOR_FLAG: 'on' },
      },
    });
    expect(config.temporal).toEqual({
      address: 'temporal.example:7233',
      namespace: 'default',
      tls: { caFile: '/hosts/node2/tls/ca.pem', certFile: '/hosts/node2/tls/node2.pem', keyFile: '/hosts/node2/tls/node2.key', serverName: 'temporal.example' },
    });
    expect(validateWorkerConfig(agentConfig(), 'agent.json', '/hosts/node2')).toEqual(config);
  });

  it('refuses clusters, principals and other members in an agent configuration, and a member without its token, by field', () => {
    const raw: Record<string, unknown> = { ...agentConfig(), clusters: [], principals: [], auditArchive: { dir: 'audit' } };
    const member = (raw.agent as { member: Record<string, unknown> }).member;
    delete member.pin;
    member.environment = { 'NOT A NAME': 'x', SOFTHSM2_CONF: 7 };
    let error: ConfigError | undefined;
    try {
      validateAgentConfig(raw, 'agent.json', dir);
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.issues.map((i) => i.field)).toEqual([
      'clusters',
      'principals',
      'auditArchive',
      'agent.member.pin',
      'agent.member.environment.NOT A NAME',
      'agent.member.environment.SOFTHSM2_CONF',
    ]);
    expect(error?.issues[0]?.problem).toMatch(/unknown field \(known here: temporal, packageStore, locks, agent\)/);
  });

  it('lets a full configuration leave a member\'s token out (the orchestrator\'s and the API\'s file), but not half of it', () => {
    const raw = validConfig();
    const members = (raw.clusters as Array<{ members: Array<Record<string, unknown>> }>)[0]!.members;
    members[0] = { id: 'node1' };
    members[1] = { id: 'node2', tokenLabel: 'node2' };
    expect(issuesOf(raw).issues.map((i) => `${i.field}: ${i.problem}`)).toEqual([
      'clusters[0].members[1].pkcs11Module: is missing: give pkcs11Module, tokenLabel and pin together (a file an agent of this member runs from), or none of them (a file for the orchestrator or the API)',
      'clusters[0].members[1].pin: is missing: give pkcs11Module, tokenLabel and pin together (a file an agent of this member runs from), or none of them (a file for the orchestrator or the API)',
    ]);
    members[1] = { id: 'node2' };
    expect(validateConfig(raw, 'test.json', dir).clusters[0]?.members).toEqual([{ id: 'node1' }, { id: 'node2' }]);
  });

  it('is refused by name where a full configuration is needed (the API, the orchestrator), and loaded for a worker', () => {
    const file = join(dir, 'agent.json');
    const raw = agentConfig();
    delete (raw.temporal as Record<string, unknown>).tls;
    writeFileSync(file, JSON.stringify(raw));
    expect(() => loadConfig(file)).toThrow(/agent: makes this an agent configuration, which runs one node agent \(npm run worker\); this process needs a full configuration/);
    const loaded = loadWorkerConfig(file, { KEYSYNC_TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(loaded).toMatchObject({ temporal: { address: 'temporal:7233' }, agent: { member: { pin: { file: join(dir, 'node2.pin') } } } });
  });

  it('checks the TLS fields: certFile and keyFile required, serverName a host name', () => {
    const raw = validConfig();
    raw.temporal = { address: '127.0.0.1:7233', tls: { caFile: 'ca.pem', serverName: 'not a name', extra: true } };
    raw.api = { port: 3000, tls: { certFile: 'api.pem' } };
    expect(issuesOf(raw).issues.map((i) => i.field)).toEqual([
      'temporal.tls.extra',
      'temporal.tls.certFile',
      'temporal.tls.keyFile',
      'temporal.tls.serverName',
      'api.tls.keyFile',
    ]);
  });
});

describe("a member's module settings (any PKCS#11 HSM)", () => {
  it('takes the environment (KRYOPTIC_CONF as a path), NSS library parameters and vendor wrap mechanisms by format, as numbers', () => {
    const raw = validConfig();
    const members = (raw.clusters as Array<{ members: Array<Record<string, unknown>> }>)[0]!.members;
    members[0] = { ...members[0], environment: { KRYOPTIC_CONF: 'kryoptic/kryoptic.toml' }, wrapMechanisms: { 'aes-kwp': '0x80000171' } };
    members[1] = { ...members[1], pkcs11LibraryParameters: "configdir='sql:/var/lib/nss' certPrefix='' keyPrefix='' secmod='secmod.db' flags=" };
    const [node1, node2] = validateConfig(raw, 'test.json', '/etc/keysync').clusters[0]!.members;
    expect(node1).toMatchObject({ environment: { KRYOPTIC_CONF: '/etc/keysync/kryoptic/kryoptic.toml' }, wrapMechanisms: { 'aes-kwp': 0x80000171 } });
    expect(node2?.pkcs11LibraryParameters).toBe("configdir='sql:/var/lib/nss' certPrefix='' keyPrefix='' secmod='secmod.db' flags=");
  });

  it('takes "none" for a wrap format: the member is kept off it', () => {
    const raw = validConfig();
    const members = (raw.clusters as Array<{ members: Array<Record<string, unknown>> }>)[0]!.members;
    members[0] = { ...members[0], wrapMechanisms: { 'aes-kwp': 'none', 'aes-kw-pkcs7': '0x80000172' } };
    const [node1] = validateConfig(raw, 'test.json', '/etc/keysync').clusters[0]!.members;
    expect(node1?.wrapMechanisms).toEqual({ 'aes-kwp': 'none', 'aes-kw-pkcs7': 0x80000172 });
  });

  it('refuses an unknown format, a mechanism not in hex, CKM_AES_KEY_WRAP (no padding) and a standard mechanism of another format, by field', () => {
    const raw = validConfig();
    const members = (raw.clusters as Array<{ members: Array<Record<string, unknown>> }>)[0]!.members;
    members[0] = { ...members[0], wrapMechanisms: { 'aes-gcm': '0x1087', 'aes-kwp': 8561 } };
    members[1] = { ...members[1], wrapMechanisms: { 'aes-kwp': '0x2109', 'aes-kw-pkcs7': '0x210B' } };
    const problems = issuesOf(raw).issues.map((i) => `${i.field}: ${i.problem}`);
    expect(problems).toEqual([
      'clusters[0].members[0].wrapMechanisms.aes-gcm: unknown field (known here: aes-kwp, aes-kw-pkcs7)',
      'clusters[0].members[0].wrapMechanisms.aes-kwp: must be a PKCS#11 mechanism number in hex such as "0x80000171" (the vendor mechanism that implements aes-kwp), or "none" to keep this member off aes-kwp',
      'clusters[0].members[1].wrapMechanisms.aes-kwp: is CKM_AES_KEY_WRAP (RFC 3394 without padding), which cannot carry private keys: name the mechanism that implements the format with padding',
      'clusters[0].members[1].wrapMechanisms.aes-kw-pkcs7: is the standard mechanism of aes-kwp, not of aes-kw-pkcs7: name the mechanism that implements aes-kw-pkcs7',
    ]);
  });

  it('refuses two members of one process that need different values of one module variable, and module settings without a token', () => {
    const raw = validConfig();
    const members = (raw.clusters as Array<{ members: Array<Record<string, unknown>> }>)[0]!.members;
    members[0] = { ...members[0], environment: { KRYOPTIC_CONF: '/a/kryoptic.toml' } };
    members[1] = { ...members[1], environment: { KRYOPTIC_CONF: '/b/kryoptic.toml' } };
    members.push({ id: 'node3', pkcs11LibraryParameters: 'flags=' });
    expect(issuesOf(raw).issues.map((i) => `${i.field}: ${i.problem}`)).toEqual([
      'clusters[0].members[2].pkcs11LibraryParameters: belongs to a member whose token is configured here (pkcs11Module, tokenLabel, pin)',
      "clusters[0].members[1].environment.KRYOPTIC_CONF: differs from member node1's: one process serves both and a module reads a variable once; give them one value (one configuration file for both tokens)",
    ]);
  });
});
