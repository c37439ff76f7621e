// Pure parts of the CLI: the challenge it agrees to sign, the inventory table's drift, how a
// repair and the tokens of a sync across implementations read, and output that redraws on a terminal but prints plain changed lines elsewhere.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ClusterInventory, Operation } from '../../apps/cli/api-client';
import type { components } from '../../libs/api-client/openapi-types';
import { inventoryRows, readInventory } from '../../libs/api-client/inventory-rows';
import { memberLine, operationHeader, verdict } from '../../apps/cli/operation-view';
import { Output } from '../../apps/cli/output';
import { challengeFor } from '../../apps/cli/signing';

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('the challenge the CLI signs', () => {
  it('signs a rejection over the same string ending in reject', () => {
    expect(challengeFor('keysync-approval/1|sync:c:s:node2|node2|abcd|approve', 'reject')).toBe('keysync-approval/1|sync:c:s:node2|node2|abcd|reject');
  });

  it('refuses to sign anything that is not a KeySync approval challenge', () => {
    expect(() => challengeFor('pay bob 100 EUR', 'approve')).toThrow(/not a KeySync approval challenge/);
    expect(() => challengeFor('keysync-approval/1|w|m|s|reject', 'approve')).toThrow(/nothing was signed/);
  });
});

type KeyAnswer = components['schemas']['InventoryKeyDto'];
type MemberAnswer = components['schemas']['MemberInventoryDto'];

/** A key as the API reports it; the fields the table ignores get ordinary values. */
function key(fields: Pick<KeyAnswer, 'class' | 'id' | 'label' | 'keyType' | 'fingerprint'> & Partial<KeyAnswer>): KeyAnswer {
  return { exportable: true, hasCertificate: false, hasPublicKey: true, usages: ['sign'], ...fields };
}

/** The API's inventory answer for these members. */
function inventoryAnswer(members: Array<Pick<MemberAnswer, 'member' | 'keys'> & Partial<MemberAnswer>>): ClusterInventory {
  return { cluster: 'demo', checkedAt: '2025-01-01T00:00:00.000Z', drift: [], members: members.map((member) => ({ hasClusterSecrets: member.keys === null ? null : true, ...member })) };
}

describe('inventory table', () => {
  it('marks a key missing on one member, or held there with another fingerprint, as drift, and says why a member could not be asked', () => {
    const members = readInventory(
      inventoryAnswer([
        { member: 'node1', keys: [key({ class: 'private', id: 'AA01', label: 'ca', keyType: 'ec', fingerprint: 'f1' }), key({ class: 'secret', id: 'bb', label: 'db', keyType: 'aes', fingerprint: 'k1' })] },
        { member: 'node2', keys: [key({ class: 'private', id: 'aa01', label: 'ca', keyType: 'ec', fingerprint: 'f1' }), key({ class: 'secret', id: 'bb', label: 'db', keyType: 'aes', fingerprint: 'k2' })] },
        { member: 'node3', keys: [key({ class: 'private', id: 'aa01', label: 'ca', keyType: 'ec', fingerprint: 'f1' })] },
        { member: 'node4', keys: null, error: { type: 'agent-unreachable', message: 'agent down' } },
      ]),
    );
    const rows = inventoryRows(members);
    expect(rows.map((row) => [row.label, row.members, row.drift])).toEqual([
      ['ca', { node1: 'present', node2: 'present', node3: 'present', node4: 'unknown' }, false],
      ['db', { node1: 'present', node2: 'different', node3: 'missing', node4: 'unknown' }, true],
    ]);
    expect(members[3]).toEqual({ member: 'node4', keys: null, note: 'agent down' });
  });

  it('shows duplicated for a member holding identical surplus copies of a key, and marks the row as drift', () => {
    const ca = key({ class: 'private', id: 'aa01', label: 'ca', keyType: 'ec', fingerprint: 'f1' });
    const rows = inventoryRows(
      readInventory(
        inventoryAnswer([
          { member: 'node1', keys: [ca] },
          { member: 'node2', keys: [{ ...ca, duplicates: 2 }] },
          { member: 'node3', keys: [{ ...ca, duplicates: 0 }] },
        ]),
      ),
    );
    expect(rows.map((row) => [row.label, row.members, row.drift])).toEqual([['ca', { node1: 'present', node2: 'duplicated', node3: 'present' }, true]]);
  });

  it('shows another key as different even when the member holds copies of it', () => {
    const rows = inventoryRows(
      readInventory(
        inventoryAnswer([
          { member: 'node1', keys: [key({ class: 'secret', id: 'bb', label: 'db', keyType: 'aes', fingerprint: 'k1' })] },
          { member: 'node2', keys: [key({ class: 'secret', id: 'bb', label: 'db', keyType: 'aes', fingerprint: 'k1' })] },
          { member: 'node3', keys: [key({ class: 'secret', id: 'bb', label: 'db', keyType: 'aes', fingerprint: 'k2', duplicates: 1 })] },
        ]),
      ),
    );
    expect(rows[0]?.members).toEqual({ node1: 'present', node2: 'present', node3: 'different' });
  });
});

describe('inventory table: differs', () => {
  const ca = key({ class: 'private', id: 'aa01', label: 'ca', keyType: 'ec', fingerprint: 'f1', hasCertificate: true, certificate: { fingerprint: 'c-old', notBefore: '2025-01-01T00:00:00.000Z' } });

  it('shows differs for a member whose certificate is older than the newest, and for one relabelled, and says what differs', () => {
    const renewed = { ...ca, certificate: { fingerprint: 'c-new', notBefore: '2026-01-01T00:00:00.000Z' } };
    const rows = inventoryRows(
      readInventory(
        inventoryAnswer([
          { member: 'node1', keys: [renewed] },
          { member: 'node2', keys: [ca] },
          { member: 'node3', keys: [{ ...renewed, label: 'ca-renamed' }] },
          { member: 'node4', keys: [renewed] },
        ]),
      ),
    );
    expect(rows.map((row) => [row.label, row.members, row.drift, row.differences])).toEqual([
      ['ca', { node1: 'present', node2: 'differs', node3: 'differs', node4: 'present' }, true, { node2: ['certificate'], node3: ['label'] }],
    ]);
  });

  it('shows differs for a member holding a stale certificate beside the current one', () => {
    const rows = inventoryRows(readInventory(inventoryAnswer([{ member: 'node1', keys: [ca] }, { member: 'node2', keys: [{ ...ca, otherCertificates: 1 }] }])));
    expect(rows[0]?.members).toEqual({ node1: 'present', node2: 'differs' });
  });
});

describe('a repair as the CLI prints it', () => {
  const paint = new Output({ json: false, stdout: capture(false).stream, env: {} }).paint;
  const repair = (copiesRemoved?: number): Operation => ({
    operationId: 'sync:demo:k-1',
    kind: 'repair',
    cluster: 'demo',
    requestedBy: 'operator',
    state: 'completed',
    package: { digest: 'ab'.repeat(32), keyCount: 1 },
    members: [{ member: 'node2', state: 'in-sync', keysImported: 0, keysSkipped: 1, attempts: 1, ...(copiesRemoved ? { copiesRemoved } : {}) }],
    notExportable: [],
  });

  it('says on the member line and in the final line how many copies the import removed', () => {
    const operation = repair(3);
    expect(memberLine(operation.members[0] as Operation['members'][number], operation, paint)).toBe('node2  in-sync  keys 0 of 1 imported, 1 already there  3 surplus copies removed  attempts 1');
    expect(verdict(operation, paint)).toBe('sync:demo:k-1: every member is in-sync; 3 surplus copies removed.');
  });

  it('says on the member line how many keys a sync updated, and which it left differing and why', () => {
    const operation = repair();
    const member = { ...(operation.members[0] as Operation['members'][number]), keysUpdated: 1 };
    expect(memberLine(member, operation, paint)).toBe('node2  in-sync  keys 0 of 1 imported, 1 already there  1 updated (label or certificate)  attempts 1');
    const refused = { ...member, keysUpdated: 0, notUpdated: [{ class: 'private' as const, id: 'aa', label: 'ca', reason: 'CKR_ATTRIBUTE_READ_ONLY' }] };
    expect(memberLine(refused, operation, paint)).toBe('node2  in-sync  keys 0 of 1 imported, 1 already there  attempts 1  left differing ca (CKR_ATTRIBUTE_READ_ONLY)');
  });

  it('says a repair removed nothing when there was nothing to remove; a sync without removals says nothing of copies', () => {
    expect(verdict(repair(), paint)).toBe('sync:demo:k-1: every member is in-sync; 0 surplus copies removed.');
    expect(verdict({ ...repair(), kind: 'sync' }, paint)).toBe('sync:demo:k-1: every member is in-sync.');
  });
});

describe('a sync across implementations as the CLI prints it', () => {
  const paint = new Output({ json: false, stdout: capture(false).stream, env: {} }).paint;
  const operation: Operation = {
    operationId: 'sync:demo:x-1',
    kind: 'sync',
    cluster: 'demo',
    requestedBy: 'operator',
    state: 'failed',
    package: { digest: 'cd'.repeat(32), keyCount: 2 },
    members: [
      {
        member: 'node3',
        state: 'failed',
        reason: 'unsupported-mechanism',
        detail: 'node3 cannot hold ec-p521.',
        keysImported: 1,
        keysSkipped: 0,
        attempts: 1,
        unsupportedKeys: [{ class: 'private', id: 'b3', label: 'ec-p521', fingerprint: 'ef'.repeat(32), reason: 'unsupported-mechanism', detail: 'no EC curve P-521 (it has P-256, P-384)' }],
      },
    ],
    notExportable: [],
    wrapFormat: 'aes-kwp',
    tokens: [
      { member: 'node1', role: 'source', manufacturer: 'SoftHSM project', model: 'SoftHSM v2', library: 'Implementation of PKCS11 2.6', wrapFormats: ['aes-kwp'], wrapMechanism: '0x210A' },
      { member: 'node3', role: 'target', manufacturer: 'Kryoptic Project', model: 'v1', library: 'Kryoptic PKCS11 Module 1.5', wrapFormats: ['aes-kwp', 'aes-kw-pkcs7'], wrapMechanism: '0x210B' },
    ],
  };

  it('names the wrap format and each token with its own mechanism, and the failed member with its reason', () => {
    expect(operationHeader(operation, paint).split('\n').slice(2)).toEqual([
      '  wrap format aes-kwp',
      '  source node1: SoftHSM project SoftHSM v2 (Implementation of PKCS11 2.6), mechanism 0x210A',
      '  target node3: Kryoptic Project v1 (Kryoptic PKCS11 Module 1.5), mechanism 0x210B',
    ]);
    expect(memberLine(operation.members[0] as Operation['members'][number], operation, paint)).toBe('node3  failed (unsupported-mechanism)  keys 1 of 2 imported  attempts 1  node3 cannot hold ec-p521.');
  });

  it('says which hash a join wrapped the cluster secrets with', () => {
    const join: Operation = {
      ...operation,
      kind: 'join',
      tokens: undefined,
      wrapFormat: undefined,
      join: { member: 'node3', sponsor: 'node1', phase: 'done', transportFingerprint: null, approvals: { required: 0, granted: [] }, keySyncWorkflowId: null, oaepHash: 'sha1' },
    };
    expect(operationHeader(join, paint)).toContain('  cluster secrets wrapped with RSA-OAEP sha1');
  });
});

describe('output', () => {
  it('prints a member’s line again only when it changed, without escape codes, when stdout is not a terminal', () => {
    const { stream, text } = capture(false);
    const out = new Output({ json: false, stdout: stream, env: {} });
    out.live([{ key: 'node2', text: 'node2 pending' }]);
    out.live([{ key: 'node2', text: 'node2 pending' }]);
    out.live([{ key: 'node2', text: 'node2 in-sync' }]);
    expect(text()).toBe('node2 pending\nnode2 in-sync\n');
  });

  it('redraws the block in place, in colour, on a terminal (and not with NO_COLOR)', () => {
    const { stream, text } = capture(true);
    const out = new Output({ json: false, stdout: stream, env: {} });
    out.live([{ key: 'a', text: out.paint.ok('a in-sync') }, { key: 'b', text: 'b pending' }]);
    out.live([{ key: 'a', text: 'a in-sync' }, { key: 'b', text: 'b in-sync' }]);
    expect(text()).toContain('\u001b[32ma in-sync\u001b[0m');
    expect(text()).toContain('\u001b[2A');
    expect(new Output({ json: false, stdout: capture(true).stream, env: { NO_COLOR: '1' } }).paint.ok('x')).toBe('x');
  });

  it('keeps stdout one JSON document with --json: no progress lines', () => {
    const { stream, text } = capture(true);
    const out = new Output({ json: true, stdout: stream, env: {} });
    out.info('started');
    out.live([{ key: 'a', text: 'a' }]);
    out.result({ ok: true }, () => 'ok');
    expect(JSON.parse(text())).toEqual({ ok: true });
  });
});
