// The configuration's packageStore (DESIGN 15): a folder, or an S3 bucket whose keys come from
// {env}/{file} sources like a PIN. Every problem names its field and never repeats a value.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../libs/config/config-error';
import { validateConfig } from '../../libs/config/validate-config';

const PUBLIC_KEY = Buffer.alloc(32, 7).toString('base64');

function configWith(packageStore: unknown): Record<string, unknown> {
  return {
    temporal: { address: '127.0.0.1:7233' },
    packageStore,
    auditArchive: { dir: 'audit' },
    clusters: [
      {
        id: 'demo',
        founder: 'node1',
        members: [{ id: 'node1', pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'node1', pin: { file: 'node1.pin' } }],
        approvers: [{ id: 'approver-1', publicKey: PUBLIC_KEY }],
        policy: { sync: { approvals: 1, timeoutSeconds: 60 }, join: { approvals: 1, timeoutSeconds: 60 } },
      },
    ],
    principals: [],
  };
}

function s3(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    endpoint: 'https://s3.example.com',
    region: 'eu-west-1',
    bucket: 'keysync-packages',
    accessKeyId: { env: 'KEYSYNC_S3_ACCESS_KEY_ID' },
    secretAccessKey: { file: 'secrets/s3-secret' },
    ...overrides,
  };
}

function problems(packageStore: unknown): ConfigError {
  try {
    validateConfig(configWith(packageStore), 'config.json', '/etc/keysync');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('packageStore in the configuration', () => {
  it('takes an S3 bucket with its keys from an environment variable and a file (resolved against the file)', () => {
    const config = validateConfig(configWith({ s3: s3({ prefix: 'packages/', forcePathStyle: true }) }), 'config.json', '/etc/keysync');
    expect(config.packageStore).toEqual({
      s3: {
        endpoint: 'https://s3.example.com',
        region: 'eu-west-1',
        bucket: 'keysync-packages',
        prefix: 'packages/',
        forcePathStyle: true,
        accessKeyId: { env: 'KEYSYNC_S3_ACCESS_KEY_ID' },
        secretAccessKey: { file: '/etc/keysync/secrets/s3-secret' },
      },
    });
  });

  it('refuses S3 keys written into the file, naming each field and never repeating a key', () => {
    const error = problems({ s3: s3({ accessKeyId: 'AKIAEXAMPLEKEYID0001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }) });
    expect(error.issues.map((issue) => issue.field)).toEqual(['packageStore.s3.accessKeyId', 'packageStore.s3.secretAccessKey']);
    expect(error.issues[1]?.problem).toBe('must name where the S3 secret access key comes from, {"env": "VARIABLE"} or {"file": "path"}; the S3 secret access key itself never goes in the configuration');
    expect(error.message).not.toContain('AKIAEXAMPLEKEYID0001');
    expect(error.message).not.toContain('wJalrXUtnFEMI');
  });

  it('refuses an endpoint that carries credentials, without repeating it', () => {
    const error = problems({ s3: s3({ endpoint: 'https://AKIAKEY:topsecret@s3.example.com' }) });
    expect(error.issues).toEqual([{ field: 'packageStore.s3.endpoint', problem: expect.stringContaining('must not carry credentials') as unknown }]);
    expect(error.message).not.toContain('topsecret');
  });

  it('names each malformed S3 field', () => {
    const error = problems({ s3: s3({ endpoint: 's3.example.com', bucket: 'Bad_Bucket', prefix: '/abs', forcePathStyle: 'yes', region: '', color: 'blue' }) });
    expect(error.issues.map((issue) => issue.field)).toEqual([
      'packageStore.s3.color',
      'packageStore.s3.endpoint',
      'packageStore.s3.region',
      'packageStore.s3.bucket',
      'packageStore.s3.prefix',
      'packageStore.s3.forcePathStyle',
    ]);
    expect(error.issues.find((issue) => issue.field === 'packageStore.s3.bucket')?.problem).toMatch(/S3 bucket name/);
  });

  it('takes exactly one of dir and s3', () => {
    expect(problems({ dir: 'packages', s3: s3() }).issues).toEqual([{ field: 'packageStore', problem: expect.stringContaining('has both dir and s3') as unknown }]);
    expect(problems({}).issues.map((issue) => issue.field)).toEqual(['packageStore.dir']);
    expect(problems({}).issues[0]?.problem).toMatch(/or give packageStore\.s3 instead/);
  });
});
