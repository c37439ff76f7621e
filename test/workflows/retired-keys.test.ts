// The pure rules of a retire (DESIGN 13): where a retire request's key is (the API's 404 and 409
// answers come from it), what an input must hold, the ids, and which keys a drift watch reports
// as retired instead of drift.
import { describe, expect, it } from 'vitest';
import { retireRequestProblems } from '../../libs/contract/request-rules';
import { locateRetireTarget, retireSubject } from '../../libs/contract/retire';
import type { MemberInventory, Tombstone } from '../../libs/contract/retire';
import { memberRetireWorkflowId, parseOperationId, retireWorkflowId, tombstoneWorkflowId } from '../../libs/contract/workflow-ids';
import type { KeyGroup } from '../../libs/hsm/types';
import { computeDrift, planSync } from '../../workflows/plan';
import { keysASyncCouldTouch, splitRetired } from '../../workflows/retired-keys';

const group = (id: string, fingerprint: string, overrides: Partial<KeyGroup> = {}): KeyGroup => ({
  class: 'private',
  keyType: 'ec',
  curve: 'P-256',
  label: `key-${id}`,
  id,
  fingerprint,
  usages: ['sign'],
  hasPublicKey: true,
  hasCertificate: true,
  exportable: true,
  ...overrides,
});

describe('locateRetireTarget', () => {
  const inventories: MemberInventory[] = [
    { member: 'node1', keys: [group('a1', 'f1', { exportable: false }), group('b2', 'f2'), group('b2', 'k2', { class: 'secret', keyType: 'aes' })] },
    { member: 'node2', keys: [group('A1', 'F1'), group('c3', 'f3')] },
    { member: 'node3', keys: null },
    { member: 'node4', keys: [group('c3', 'ff')] },
  ];

  it('finds one key by id, any case: its ref, whether some member can export it, and its holders with the exportable ones first', () => {
    expect(locateRetireTarget(inventories, 'A1')).toEqual({
      found: 'one',
      key: { class: 'private', id: 'a1', label: 'key-a1', fingerprint: 'f1' },
      exportable: true,
      holders: ['node2', 'node1'],
    });
  });

  it('is none for an unknown id, or a class the id does not have', () => {
    expect(locateRetireTarget(inventories, 'dd')).toEqual({ found: 'none' });
    expect(locateRetireTarget(inventories, 'a1', 'secret')).toEqual({ found: 'none' });
  });

  it('lists the classes of an id that names several, and takes the one named', () => {
    expect(locateRetireTarget(inventories, 'b2')).toEqual({ found: 'several-classes', classes: ['private', 'secret'] });
    expect(locateRetireTarget(inventories, 'b2', 'secret')).toMatchObject({ found: 'one', key: { class: 'secret', fingerprint: 'k2' }, holders: ['node1'] });
  });

  it('refuses an id under which members hold different keys', () => {
    expect(locateRetireTarget(inventories, 'c3')).toEqual({ found: 'different-keys', fingerprints: ['f3', 'ff'] });
  });

  it('says not exportable when no holder can wrap it', () => {
    expect(locateRetireTarget([{ member: 'node1', keys: [group('e5', 'f5', { exportable: false })] }], 'e5')).toMatchObject({ found: 'one', exportable: false });
  });
});

describe('retire input and ids', () => {
  const cluster = { id: 'demo', members: ['node1', 'node2'] };
  const key = { class: 'private', id: 'a1', fingerprint: 'f1' };

  it('accepts a complete input; names each field that is wrong', () => {
    expect(retireRequestProblems({ key, holders: ['node1'], exportable: true, requestedBy: 'operator' }, cluster)).toEqual([]);
    const problems = retireRequestProblems({ key: { class: 'public', id: 'A1', fingerprint: '' }, holders: ['node9'], exportable: false, requestedBy: ' ' }, cluster);
    expect(problems.map((problem) => problem.field)).toEqual(['requestedBy', 'key.class', 'key.id', 'key.fingerprint', 'holders', 'allowWithoutRecovery']);
    expect(retireRequestProblems({ key, holders: [], exportable: false, allowWithoutRecovery: true, requestedBy: 'operator' }, cluster)).toEqual([]);
  });

  it('builds and parses retire ids with the one parser; the subject approvers sign names class, id and fingerprint', () => {
    const retireId = retireWorkflowId('demo', 'r1');
    expect(parseOperationId(retireId)).toEqual({ kind: 'retire', cluster: 'demo', retireId: 'r1' });
    expect(parseOperationId(memberRetireWorkflowId(retireId, 'node2'))).toEqual({ kind: 'member-retire', cluster: 'demo', retireId: 'r1', member: 'node2' });
    expect(parseOperationId(tombstoneWorkflowId('demo', 'private', 'A1'))).toBeNull();
    expect(tombstoneWorkflowId('demo', 'private', 'A1')).toBe('tombstone:demo:private:a1');
    expect(retireSubject({ class: 'secret', id: 'b2', fingerprint: 'k2' })).toBe('retire:secret:b2:k2');
  });
});

describe('splitRetired', () => {
  const tombstone = (id: string, fingerprint: string): Tombstone => ({
    cluster: 'demo',
    key: { class: 'private', id, label: `key-${id}`, fingerprint },
    retiredBy: 'retire:demo:r1',
    retiredAt: '2026-11-29T00:00:00.000Z',
    recoveryPackage: null,
  });

  it('moves a retired key out of the drift, with who still holds it and who has let it go', () => {
    const inventories = { node1: [group('a1', 'f1')], node2: [], node3: [group('b2', 'f2')] };
    const split = splitRetired(computeDrift(inventories), inventories, [tombstone('a1', 'f1')]);
    expect(split.drift.map((entry) => entry.id)).toEqual(['b2']);
    expect(split.retired).toEqual([
      { class: 'private', id: 'a1', label: 'key-a1', holders: [{ member: 'node1', fingerprint: 'f1', exportable: true }], missingOn: ['node2', 'node3'], duplicatedOn: [], conflicting: false },
    ]);
  });

  it('reports a retired key held by every member, which is no drift at all', () => {
    const inventories = { node1: [group('a1', 'f1')], node2: [group('a1', 'f1')] };
    const split = splitRetired(computeDrift(inventories), inventories, [tombstone('a1', 'f1')]);
    expect(split.drift).toEqual([]);
    expect(split.retired[0]).toMatchObject({ id: 'a1', missingOn: [] });
  });

  it('leaves another key under a retired id, and a conflict under it, in the drift', () => {
    const other = { node1: [group('a1', 'ff')], node2: [] };
    expect(splitRetired(computeDrift(other), other, [tombstone('a1', 'f1')])).toEqual({ drift: computeDrift(other), retired: [] });
    const conflict = { node1: [group('a1', 'f1')], node2: [group('a1', 'ff')] };
    const split = splitRetired(computeDrift(conflict), conflict, [tombstone('a1', 'f1')]);
    expect(split.drift).toEqual([expect.objectContaining({ id: 'a1', conflicting: true })]);
    expect(split.retired).toEqual([expect.objectContaining({ id: 'a1', holders: [expect.objectContaining({ member: 'node1' })] })]);
  });
});

describe('keysASyncCouldTouch', () => {
  const source = [group('a1', 'f1'), group('b2', 'f2'), group('c3', 'f3', { exportable: false }), group('d4', 'f4'), group('e5', 'f5'), group('f6', 'f6')];
  const plan = (inventories: Record<string, KeyGroup[] | null>, keyIds?: string[]) =>
    planSync({ source: 'node1', targets: Object.keys(inventories), inventories: { node1: source, ...inventories }, ...(keyIds ? { keyIds } : {}), updates: { labels: true, certificates: true } });
  // Once each: a key both missing somewhere and in conflict elsewhere comes twice, and standingTombstones asks once.
  const ids = (keys: { id: string }[]) => [...new Set(keys.map((key) => key.id))].sort();

  it('asks only about the keys the sync could act on: missing, in copies, with another label, in conflict, not exportable; not the keys every target holds alike', () => {
    const node2 = [group('a1', 'f1'), group('b2', 'f2', { duplicates: 1 }), group('d4', 'other'), group('e5', 'f5', { label: 'renamed' }), group('f6', 'f6')];
    // a1 and f6 are held alike; b2 in copies, d4 in conflict, e5 with another label, c3 not exportable.
    expect(ids(keysASyncCouldTouch(plan({ node2 }), source, new Set()))).toEqual(['b2', 'c3', 'd4', 'e5']);
    // node3 lacks everything: every exportable key is asked about.
    expect(ids(keysASyncCouldTouch(plan({ node2, node3: [] }), source, new Set()))).toEqual(['a1', 'b2', 'c3', 'd4', 'e5', 'f6']);
  });

  it('asks about every key when a target inventory is unknown, and always about the keys the request names', () => {
    expect(ids(keysASyncCouldTouch(plan({ node2: null }), source, new Set()))).toEqual(['a1', 'b2', 'c3', 'd4', 'e5', 'f6']);
    // a1 is held alike, yet named: naming a retired key restores it, so its tombstone must be found. Nothing else is selected.
    expect(ids(keysASyncCouldTouch(plan({ node2: [...source] }, ['A1']), source, new Set(['a1'])))).toEqual(['a1']);
    expect(ids(keysASyncCouldTouch(plan({ node2: [...source] }, ['A1']), source, new Set()))).toEqual([]);
  });
});
