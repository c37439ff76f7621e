// policy.retire in the configuration (DESIGN 13): optional, its defaults (2 approvals, 30 days) in
// libs/contract/retire.ts; when given, checked by field like the other policies, and carried in
// the cluster snapshot a retire starts with.
import { describe, expect, it } from 'vitest';
import { clusterSnapshot } from '../../libs/config/cluster-snapshot';
import { ConfigError } from '../../libs/config/config-error';
import { validateConfig } from '../../libs/config/validate-config';
import { retirePolicyOf } from '../../libs/contract/retire';

const PUBLIC_KEY = Buffer.alloc(32, 7).toString('base64');

function configWith(retire?: unknown): Record<string, unknown> {
  return {
    temporal: { address: '127.0.0.1:7233', namespace: 'default' },
    api: { port: 3000 },
    packageStore: { dir: '/var/lib/keysync/packages' },
    auditArchive: { dir: '/var/lib/keysync/audit' },
    clusters: [
      {
        id: 'demo',
        founder: 'node1',
        members: [{ id: 'node1', pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'node1', pin: { env: 'NODE1_PIN' } }],
        approvers: ['approver-1', 'approver-2', 'approver-3'].map((id) => ({ id, publicKey: PUBLIC_KEY })),
        policy: { sync: { approvals: 1, timeoutSeconds: 3600 }, join: { approvals: 1, timeoutSeconds: 3600 }, ...(retire !== undefined ? { retire } : {}) },
      },
    ],
    principals: [{ id: 'operator', roles: ['operator'], tokenSha256: 'a'.repeat(64) }],
  };
}

function fieldsRefused(raw: unknown): string[] {
  try {
    validateConfig(raw, 'test.json', '/etc/keysync');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => issue.field);
    throw error;
  }
  return [];
}

describe('policy.retire', () => {
  it('is optional: a retire then asks 2 of the approvers and keeps its recovery package 30 days', () => {
    const cluster = validateConfig(configWith(), 'test.json', '/etc/keysync').clusters[0]!;
    expect(cluster.policy.retire).toBeUndefined();
    expect(retirePolicyOf(clusterSnapshot(cluster).policy)).toEqual({ approvals: 2, timeoutSeconds: 86_400, recoveryDays: 30 });
  });

  it('when given, fills what it leaves out and reaches the snapshot a retire starts with', () => {
    const cluster = validateConfig(configWith({ approvals: 3, recoveryDays: 7 }), 'test.json', '/etc/keysync').clusters[0]!;
    expect(clusterSnapshot(cluster).policy.retire).toEqual({ approvals: 3, timeoutSeconds: 86_400, recoveryDays: 7 });
  });

  it('refuses more approvals than approvers, a recovery of 0 days, and unknown fields, each by its field', () => {
    expect(fieldsRefused(configWith({ approvals: 4, recoveryDays: 0, keepForever: true })).sort()).toEqual([
      'clusters[0].policy.retire.approvals',
      'clusters[0].policy.retire.keepForever',
      'clusters[0].policy.retire.recoveryDays',
    ]);
  });
});
