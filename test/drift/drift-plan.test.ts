// The pure part of the drift watch: which syncs close a drift, which keys it must never touch.
import { describe, expect, it } from 'vitest';
import { automaticSyncId, clusterKcv, planCertificateSyncs, planDriftSyncs } from '../../workflows/drift-plan';
import { computeDrift } from '../../workflows/plan';
import type { KeyGroup } from '../../libs/contract/keys';
import type { DriftEntry } from '../../libs/contract/drift';

const members = ['node1', 'node2', 'node3'];
const entry = (id: string, holders: [string, string, boolean?][], missingOn: string[]): DriftEntry => ({
  class: 'private',
  id,
  label: `key-${id}`,
  holders: holders.map(([member, fingerprint, exportable]) => ({ member, fingerprint, exportable: exportable ?? true })),
  missingOn,
  duplicatedOn: [],
  conflicting: new Set(holders.map(([, fingerprint]) => fingerprint)).size > 1,
});

describe('planDriftSyncs', () => {
  it('takes every key one member can give in one sync to the members that lack any of them', () => {
    const plan = planDriftSyncs([entry('01', [['node2', 'f1']], ['node1', 'node3']), entry('02', [['node2', 'f2'], ['node3', 'f2']], ['node1'])], members);
    expect(plan.syncs).toEqual([{ source: 'node2', keyIds: ['01', '02'], targets: ['node1', 'node3'] }]);
  });

  it('uses several sources when no member holds everything', () => {
    const plan = planDriftSyncs([entry('01', [['node1', 'f1']], ['node2', 'node3']), entry('03', [['node3', 'f3']], ['node1', 'node2'])], members);
    expect(plan.syncs).toEqual([
      { source: 'node1', keyIds: ['01'], targets: ['node2', 'node3'] },
      { source: 'node3', keyIds: ['03'], targets: ['node1', 'node2'] },
    ]);
  });

  it('never syncs a conflicting id, even its other classes, and reports keys no holder can wrap', () => {
    const conflict = entry('07', [['node1', 'fa'], ['node3', 'fb']], ['node2']);
    const publicTwin: DriftEntry = { ...entry('07', [['node1', 'fp']], ['node2', 'node3']), class: 'secret' };
    const locked = entry('09', [['node1', 'f9', false]], ['node2', 'node3']);
    const plan = planDriftSyncs([conflict, publicTwin, locked], members);
    expect(plan.syncs).toEqual([]);
    expect(plan.notExportable).toEqual([{ class: 'private', id: '09', label: 'key-09', fingerprint: 'f9' }]);
  });

  it('skips a holder that cannot wrap the key for one that can', () => {
    const plan = planDriftSyncs([entry('05', [['node1', 'f5', false], ['node2', 'f5']], ['node3'])], members);
    expect(plan.syncs).toEqual([{ source: 'node2', keyIds: ['05'], targets: ['node3'] }]);
  });
});

describe('automaticSyncId', () => {
  it('is the same for the same gap in any order and differs for another gap', () => {
    const a = automaticSyncId('drift', { source: 'node1', keyIds: ['02', '01'], targets: ['node3', 'node2'] });
    const b = automaticSyncId('drift', { source: 'node1', keyIds: ['01', '02'], targets: ['node2', 'node3'] });
    const c = automaticSyncId('drift', { source: 'node1', keyIds: ['01'], targets: ['node2', 'node3'] });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^drift-[0-9a-f]{16}$/);
  });
});

describe('clusterKcv', () => {
  it('takes the check values most members report and ignores members without secrets', () => {
    const ours = { ktkKcv: 'aa', pmkKcv: 'bb' };
    const theirs = { ktkKcv: 'cc', pmkKcv: 'dd' };
    expect(clusterKcv([{ member: 'node1', kcv: theirs }, { member: 'node2', kcv: ours }, { member: 'node3', kcv: { ktkKcv: 'AA', pmkKcv: 'BB' } }, { member: 'node4', kcv: null }])).toEqual(ours);
    expect(clusterKcv([{ member: 'node1', kcv: null }])).toBeNull();
  });
});

describe('planCertificateSyncs', () => {
  const group = (id: string, overrides: Partial<KeyGroup> = {}): KeyGroup => ({
    class: 'private',
    keyType: 'ec',
    curve: 'P-256',
    label: `key-${id}`,
    id,
    fingerprint: `f${id}`,
    usages: ['sign'],
    hasPublicKey: true,
    hasCertificate: true,
    certificate: { fingerprint: 'c-old', notBefore: '2025-01-01T00:00:00.000Z' },
    exportable: true,
    ...overrides,
  });
  const renewed = { certificate: { fingerprint: 'c-new', notBefore: '2026-01-01T00:00:00.000Z' } };

  it('heals a certificate from the member with the newest to those with an older one, one sync per source', () => {
    const drift = computeDrift({ node1: [group('01'), group('02')], node2: [group('01', renewed), group('02')], node3: [group('01'), group('02', renewed)] });
    expect(planCertificateSyncs(drift, members)).toEqual([
      { source: 'node2', keyIds: ['01'], targets: ['node1', 'node3'] },
      { source: 'node3', keyIds: ['02'], targets: ['node1', 'node2'] },
    ]);
  });

  it('never heals a label, and never from a member that cannot wrap the key', () => {
    const relabelled = computeDrift({ node1: [group('01', { label: 'renamed' })], node2: [group('01')], node3: [group('01')] });
    expect(relabelled[0]?.differsOn).toEqual(['node1']);
    expect(planCertificateSyncs(relabelled, members)).toEqual([]);
    const locked = computeDrift({ node1: [group('01', { ...renewed, exportable: false })], node2: [group('01', { exportable: false })] });
    expect(planCertificateSyncs(locked, members)).toEqual([]);
  });
});
