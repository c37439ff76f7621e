import { describe, expect, it } from 'vitest';
import type { KeyGroup } from '../../libs/hsm/types';
import { stillDiffering, syncUpdates } from '../../workflows/key-updates';
import { computeDrift, planSync } from '../../workflows/plan';

const key = (id: string, fingerprint: string, overrides: Partial<KeyGroup> = {}): KeyGroup => ({
  class: 'private',
  keyType: 'ec',
  curve: 'P-256',
  label: `key-${id}`,
  id,
  fingerprint,
  usages: ['sign'],
  hasPublicKey: true,
  hasCertificate: false,
  exportable: true,
  ...overrides,
});

describe('planSync', () => {
  it('gives each target what it lacks and exports the union once', () => {
    const plan = planSync({
      source: 'node1',
      targets: ['node2', 'node3'],
      inventories: {
        node1: [key('01', 'f1'), key('02', 'f2'), key('03', 'f3')],
        node2: [key('01', 'f1')],
        node3: [key('01', 'f1'), key('02', 'f2')],
      },
    });
    expect(plan.targets.map((target) => [target.member, target.missing.map((ref) => ref.id)])).toEqual([
      ['node2', ['02', '03']],
      ['node3', ['03']],
    ]);
    expect(plan.selection).toEqual([
      { class: 'private', id: '02' },
      { class: 'private', id: '03' },
    ]);
  });

  it('selects nothing when every target holds every key', () => {
    const inventory = [key('01', 'f1'), key('aa', 'f2', { class: 'secret', keyType: 'aes', size: 256 })];
    const plan = planSync({ source: 'node1', targets: ['node2'], inventories: { node1: inventory, node2: inventory } });
    expect(plan.selection).toEqual([]);
    expect(plan.targets[0]?.missing).toEqual([]);
  });

  it('treats the same id under another class as another key', () => {
    const plan = planSync({
      source: 'node1',
      targets: ['node2'],
      inventories: { node1: [key('01', 'f1', { class: 'secret', keyType: 'aes' })], node2: [key('01', 'other')] },
    });
    expect(plan.targets[0]?.missing.map((ref) => ref.class)).toEqual(['secret']);
    expect(plan.targets[0]?.conflicts).toEqual([]);
  });

  it('reports a conflict (same class and id, other fingerprint) and never exports it for that target', () => {
    const plan = planSync({
      source: 'node1',
      targets: ['node2'],
      inventories: { node1: [key('01', 'f1'), key('02', 'f2')], node2: [key('01', 'mine')] },
    });
    expect(plan.targets[0]?.conflicts).toEqual([{ class: 'private', id: '01', label: 'key-01', sourceFingerprint: 'f1', memberFingerprint: 'mine' }]);
    expect(plan.targets[0]?.missing.map((ref) => ref.id)).toEqual(['02']);
    expect(plan.selection).toEqual([{ class: 'private', id: '02' }]);
  });

  it('reports keys that are not exportable and still plans the others', () => {
    const plan = planSync({
      source: 'node1',
      targets: ['node2'],
      inventories: { node1: [key('01', 'f1', { exportable: false }), key('02', 'f2')], node2: [] },
    });
    expect(plan.notExportable.map((ref) => ref.id)).toEqual(['01']);
    expect(plan.selection).toEqual([{ class: 'private', id: '02' }]);
  });

  it('restricts the plan to the requested key ids and names those the source lacks', () => {
    const plan = planSync({
      source: 'node1',
      targets: ['node2'],
      keyIds: ['02', 'FF'],
      inventories: { node1: [key('01', 'f1'), key('02', 'f2')], node2: [] },
    });
    expect(plan.selection).toEqual([{ class: 'private', id: '02' }]);
    expect(plan.unknownKeyIds).toEqual(['ff']);
  });

  it('offers every selected key to a target whose inventory is unknown (its import skips what it holds)', () => {
    const plan = planSync({ source: 'node1', targets: ['node2'], inventories: { node1: [key('01', 'f1'), key('02', 'f2', { exportable: false })], node2: null } });
    expect(plan.targets[0]).toMatchObject({ inventoryKnown: false, conflicts: [] });
    expect(plan.targets[0]?.missing.map((ref) => ref.id)).toEqual(['01']);
    expect(plan.selection).toEqual([{ class: 'private', id: '01' }]);
  });

  it('compares ids and fingerprints without regard to hex case', () => {
    const plan = planSync({ source: 'node1', targets: ['node2'], inventories: { node1: [key('AB', 'F1')], node2: [key('ab', 'f1')] } });
    expect(plan.selection).toEqual([]);
  });

  it('refuses to plan without the source inventory', () => {
    expect(() => planSync({ source: 'node1', targets: ['node2'], inventories: { node1: null, node2: [] } })).toThrow(/inventory of the source node1/);
  });
});

describe('computeDrift', () => {
  it('is empty when every member holds the same keys', () => {
    const inventory = [key('01', 'f1')];
    expect(computeDrift({ node1: inventory, node2: inventory, node3: inventory })).toEqual([]);
  });

  it('lists a key missing on some members and a conflict, leaving out unknown members', () => {
    const drift = computeDrift({
      node1: [key('01', 'f1'), key('02', 'f2')],
      node2: [key('01', 'f1'), key('02', 'other')],
      node3: [],
      node4: null,
    });
    expect(drift).toEqual([
      {
        class: 'private',
        id: '01',
        label: 'key-01',
        holders: [
          { member: 'node1', fingerprint: 'f1', exportable: true, label: 'key-01', hasCertificate: false },
          { member: 'node2', fingerprint: 'f1', exportable: true, label: 'key-01', hasCertificate: false },
        ],
        missingOn: ['node3'],
        duplicatedOn: [],
        conflicting: false,
        differsOn: [],
        reference: 'node1',
      },
      {
        class: 'private',
        id: '02',
        label: 'key-02',
        holders: [
          { member: 'node1', fingerprint: 'f2', exportable: true, label: 'key-02', hasCertificate: false },
          { member: 'node2', fingerprint: 'other', exportable: true, label: 'key-02', hasCertificate: false },
        ],
        missingOn: ['node3'],
        duplicatedOn: [],
        conflicting: true,
        differsOn: [],
      },
    ]);
  });

  it('reports a member holding identical surplus copies as duplicated, and copies that differ as a conflict', () => {
    const drift = computeDrift({
      node1: [key('01', 'f1'), key('02', 'f2')],
      node2: [key('01', 'f1', { duplicates: 2 }), key('02', 'f2'), key('02', 'f2', { label: 'renamed' })],
    });
    expect(drift.map((entry) => [entry.id, entry.duplicatedOn, entry.missingOn, entry.conflicting])).toEqual([
      ['01', ['node2'], [], false],
      ['02', [], [], true],
    ]);
  });
});

describe('computeDrift: differs', () => {
  const certificate = (fingerprint: string, notBefore: string) => ({ hasCertificate: true, certificate: { fingerprint, notBefore } });

  it('reports the members whose certificate is older than the newest one, that one being the reference', () => {
    const drift = computeDrift({
      node1: [key('01', 'f1', certificate('c-new', '2026-11-01T00:00:00.000Z'))],
      node2: [key('01', 'f1', certificate('c-old', '2025-11-01T00:00:00.000Z'))],
      node3: [key('01', 'f1', { hasCertificate: false })],
    });
    expect(drift.map((entry) => [entry.id, entry.reference, entry.differsOn, entry.missingOn, entry.conflicting])).toEqual([['01', 'node1', ['node2', 'node3'], [], false]]);
  });

  it('takes the most common label as the reference among equal certificates, and reports the odd one out', () => {
    const drift = computeDrift({
      node1: [key('01', 'f1', { label: 'renamed' })],
      node2: [key('01', 'f1')],
      node3: [key('01', 'f1')],
    });
    expect(drift.map((entry) => [entry.label, entry.reference, entry.differsOn])).toEqual([['key-01', 'node2', ['node1']]]);
  });

  it('reports a member holding a stale certificate beside the reference one (a replacement that did not finish)', () => {
    const same = certificate('c1', '2026-11-01T00:00:00.000Z');
    const drift = computeDrift({ node1: [key('01', 'f1', same)], node2: [key('01', 'f1', { ...same, otherCertificates: 1 })] });
    expect(drift.map((entry) => entry.differsOn)).toEqual([['node2']]);
  });

  it('takes as reference a holder of the newest certificate without stale ones beside it, so the one with stale ones differs', () => {
    const same = certificate('c1', '2026-11-01T00:00:00.000Z');
    const drift = computeDrift({ node1: [key('01', 'f1', { ...same, otherCertificates: 1 })], node2: [key('01', 'f1', same)] });
    expect(drift.map((entry) => [entry.reference, entry.differsOn])).toEqual([['node2', ['node1']]]);
  });

  it('does not compare certificates an inventory recorded before certificates were read (hasCertificate without facts)', () => {
    const drift = computeDrift({
      node1: [key('01', 'f1', { hasCertificate: true })],
      node2: [key('01', 'f1', certificate('c1', '2026-11-01T00:00:00.000Z'))],
    });
    expect(drift).toEqual([]);
  });

  it('never reports differs for a conflict: other keys under the id are for an operator', () => {
    const drift = computeDrift({ node1: [key('01', 'f1', { label: 'a' })], node2: [key('01', 'f2', { label: 'b' })] });
    expect(drift.map((entry) => [entry.conflicting, entry.differsOn, entry.reference])).toEqual([[true, [], undefined]]);
  });
});

describe('planSync with duplicated keys', () => {
  it('packages a key a target holds in identical copies, so its import removes them, and leaves the others alone', () => {
    const plan = planSync({
      source: 'node1',
      targets: ['node2', 'node3'],
      inventories: {
        node1: [key('01', 'f1'), key('02', 'f2')],
        node2: [key('01', 'f1', { duplicates: 1 }), key('02', 'f2')],
        node3: [key('01', 'f1'), key('02', 'f2')],
      },
    });
    expect(plan.targets.map((target) => [target.member, target.missing.length, target.duplicated.map((ref) => ref.id)])).toEqual([
      ['node2', 0, ['01']],
      ['node3', 0, []],
    ]);
    expect(plan.selection).toEqual([{ class: 'private', id: '01' }]);
  });

  it('plans a repair (a member synced onto itself) as exactly its duplicated keys', () => {
    const own = [key('01', 'f1', { duplicates: 3 }), key('02', 'f2'), key('03', 'f3', { duplicates: 1 })];
    const plan = planSync({ source: 'node2', targets: ['node2'], inventories: { node2: own } });
    expect(plan.targets[0]?.missing).toEqual([]);
    expect(plan.selection).toEqual([
      { class: 'private', id: '01' },
      { class: 'private', id: '03' },
    ]);
  });
});

describe('planSync with updates (drift state differs)', () => {
  const older = { hasCertificate: true, certificate: { fingerprint: 'c-old', notBefore: '2025-01-01T00:00:00.000Z' } };
  const newer = { hasCertificate: true, certificate: { fingerprint: 'c-new', notBefore: '2026-01-01T00:00:00.000Z' } };
  const inventories = {
    node1: [key('01', 'f1', older), key('02', 'f2', { label: 'renamed' })],
    node2: [key('01', 'f1', newer), key('02', 'f2')],
    node3: [key('01', 'f1', older), key('02', 'f2', { label: 'renamed' })],
  };

  it('an operator’s sync brings a target’s label and certificate to the source’s, even an older certificate, and packages those keys', () => {
    const plan = planSync({ source: 'node1', targets: ['node2', 'node3'], inventories, updates: syncUpdates({}) });
    expect(plan.targets.map((target) => [target.member, target.differs])).toEqual([
      [
        'node2',
        [
          { class: 'private', id: '01', label: 'key-01', fingerprint: 'f1', certificate: 'c-old' },
          { class: 'private', id: '02', label: 'renamed', fingerprint: 'f2' },
        ],
      ],
      ['node3', []],
    ]);
    expect(plan.selection).toEqual([
      { class: 'private', id: '01' },
      { class: 'private', id: '02' },
    ]);
  });

  it('an automatic sync updates only certificates, only to a newer one; a repair and a plan without updates update nothing', () => {
    const fromNode2 = planSync({ source: 'node2', targets: ['node1', 'node3'], inventories, updates: syncUpdates({ automatic: 'drift' }) });
    expect(fromNode2.targets.map((target) => [target.member, target.differs.map((key) => [key.id, key.certificate])])).toEqual([
      ['node1', [['01', 'c-new']]],
      ['node3', [['01', 'c-new']]],
    ]);
    const fromNode1 = planSync({ source: 'node1', targets: ['node2'], inventories, updates: syncUpdates({ automatic: 'drift' }) });
    expect(fromNode1.targets[0]?.differs).toEqual([]);
    expect(syncUpdates({ repair: true })).toBeUndefined();
    expect(planSync({ source: 'node1', targets: ['node2'], inventories }).targets[0]?.differs).toEqual([]);
  });

  it('the verify finds a key still differing after the import, unless its module refused the update', () => {
    const update = { labels: true, certificates: true, keys: [{ class: 'private' as const, id: '01', label: 'key-01', fingerprint: 'f1', certificate: 'c-new' }] };
    expect(stillDiffering(update, [], [key('01', 'f1', newer)])).toEqual([]);
    expect(stillDiffering(update, [], [key('01', 'f1', { ...newer, otherCertificates: 1 })])).toEqual(['key-01 (private 01)']);
    expect(stillDiffering(update, [], [key('01', 'f1', older)])).toEqual(['key-01 (private 01)']);
    expect(stillDiffering(update, [{ class: 'private', id: '01', label: 'key-01', reason: 'refused' }], [key('01', 'f1', older)])).toEqual([]);
  });
});
