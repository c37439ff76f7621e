// webauthn in a cluster's configuration (DESIGN 14): optional; when given, an RP id that is a host
// name and origins a browser runs WebAuthn on, each problem named by its field.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../libs/config/config-error';
import { validateConfig } from '../../libs/config/validate-config';

function configWith(webauthn?: unknown): Record<string, unknown> {
  return {
    temporal: { address: '127.0.0.1:7233', namespace: 'default' },
    api: { port: 3000 },
    packageStore: { dir: '/var/lib/keysync/packages' },
    auditArchive: { dir: '/var/lib/keysync/audit' },
    clusters: [
      {
        id: 'demo',
        founder: 'node1',
        members: [{ id: 'node1' }],
        approvers: [{ id: 'approver-1', publicKey: Buffer.alloc(32, 7).toString('base64') }],
        policy: { sync: { approvals: 1, timeoutSeconds: 3600 }, join: { approvals: 1, timeoutSeconds: 3600 } },
        ...(webauthn !== undefined ? { webauthn } : {}),
      },
    ],
    principals: [{ id: 'operator', roles: ['operator'], tokenSha256: 'a'.repeat(64) }],
  };
}

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, 'test.json', '/etc/keysync');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.field}: ${issue.problem}`);
    throw error;
  }
  return [];
}

describe('clusters[].webauthn', () => {
  it('is optional, and kept as given', () => {
    expect(validateConfig(configWith(), 'test.json', '/etc').clusters[0]!.webauthn).toBeUndefined();
    const webauthn = { rpId: 'keysync.example.com', rpName: 'KeySync', origins: ['https://keysync.example.com', 'http://localhost:3000'] };
    expect(validateConfig(configWith(webauthn), 'test.json', '/etc').clusters[0]!.webauthn).toEqual(webauthn);
  });

  it('names each wrong field: an RP id with a scheme, an http origin off loopback, a path, no origins, an unknown field', () => {
    expect(problems(configWith({ rpId: 'https://keysync.example.com', origins: ['http://keysync.example.com', 'https://keysync.example.com/console'], extra: 1 }))).toEqual([
      'clusters[0].webauthn.extra: unknown field (known here: rpId, rpName, origins)',
      expect.stringMatching(/^clusters\[0\]\.webauthn\.rpId: must be a lower-case host name without scheme or port/),
      expect.stringMatching(/^clusters\[0\]\.webauthn\.origins\[0\]: must be an origin a browser runs WebAuthn on/),
      expect.stringMatching(/^clusters\[0\]\.webauthn\.origins\[1\]: must be an origin/),
    ]);
    expect(problems(configWith({ rpId: 'localhost', origins: [] }))).toEqual(['clusters[0].webauthn.origins: must list at least one entry']);
  });
});
