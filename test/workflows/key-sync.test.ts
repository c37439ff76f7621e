// keySync and memberSync on the real dev server with real SoftHSM tokens and the real workers:
// every supported key type reaches two members (proved by using the keys), a second run imports
// nothing, every history is archived, and no history holds a PIN or wrapped key bytes.
import { createVerify, createPublicKey, verify as verifySignature } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditArchive } from '../../libs/audit-archive';
import type { KeyGroup, KeySelector } from '../../libs/hsm/types';
import { memberStateQuery, operationStateQuery } from '../../libs/contract/messages';
import type { KeySyncInput } from '../../libs/contract/operation-inputs';
import { keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { waitFor } from '../support/wait-for';
import { createClusterFixture } from './support/cluster-fixture';
import type { ClusterFixture } from './support/cluster-fixture';
import { fetchHistoryJson, recordHistory, secretsIn, secretsToLookFor } from './support/histories';

const keySpecs = [
  { keyType: 'rsa', size: 2048, label: 'rsa-2048', id: 'c101' },
  { keyType: 'rsa', size: 3072, label: 'rsa-3072', id: 'c102' },
  { keyType: 'ec', curve: 'P-256', label: 'ec-p256', id: 'c103' },
  { keyType: 'ec', curve: 'P-384', label: 'ec-p384', id: 'c104' },
  { keyType: 'ec', curve: 'P-521', label: 'ec-p521', id: 'c105' },
  { keyType: 'aes', size: 256, label: 'aes-256', id: 'c106' },
  { keyType: 'generic-secret', size: 256, label: 'hmac-secret', id: 'c107' },
] as const;

describe('keySync on real tokens', () => {
  let fixture: ClusterFixture;
  let founderKeys: KeyGroup[];
  const startedIds: string[] = [];

  const syncInput = (overrides: Partial<KeySyncInput> = {}): KeySyncInput => ({
    cluster: fixture.snapshot(),
    source: 'node1',
    requestedBy: 'operator',
    reason: 'workflow test',
    // Every agent runs here: the default probe window (30 s) keeps a busy machine from looking like a node down.
    timing: { heartbeatSeconds: 10, retryInitialSeconds: 1, retryMaxSeconds: 2 },
    ...overrides,
  });

  const runSync = async (syncId: string, input: KeySyncInput) => {
    const workflowId = keySyncWorkflowId(fixture.clusterId, syncId);
    startedIds.push(workflowId);
    return fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, {
      taskQueue: fixture.orchestratorQueue,
      workflowId,
      args: [input],
    });
  };

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['node1', 'node2', 'node3'], withSecrets: ['node1', 'node2', 'node3'] });
    founderKeys = await fixture.withToken('node1', async (token) => {
      for (const spec of keySpecs) await token.generateKey({ ...spec });
      return token.inventory();
    });
    await fixture.startWorkers();
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('brings every supported key type from the founder to two members, usable there as on the founder', async () => {
    const result = await runSync('all-types', syncInput());

    expect(result.state).toBe('completed');
    expect(result.package?.keyCount).toBe(keySpecs.length);
    expect(result.members).toEqual([
      expect.objectContaining({ member: 'node2', state: 'in-sync', keysImported: keySpecs.length, keysSkipped: 0, attempts: 1 }),
      expect.objectContaining({ member: 'node3', state: 'in-sync', keysImported: keySpecs.length, keysSkipped: 0, attempts: 1 }),
    ]);

    const data = Buffer.from('signed on a member, verified with the founder public key');
    for (const member of ['node2', 'node3']) {
      const inventory = await fixture.withToken(member, (token) => token.inventory());
      expect(inventory.map(identity).sort()).toEqual(founderKeys.map(identity).sort());
      for (const spec of keySpecs) {
        const selector: KeySelector = { class: spec.keyType === 'aes' || spec.keyType === 'generic-secret' ? 'secret' : 'private', id: spec.id };
        if (selector.class === 'private') {
          const founderPublic = await fixture.withToken('node1', (token) => token.publicKeyDer(selector));
          const signature = await fixture.withToken(member, (token) => token.sign(selector, data));
          expect(verifiedByFounderKey(spec.keyType, founderPublic!, data, signature), `${spec.label} on ${member}`).toBe(true);
        } else if (spec.keyType === 'aes') {
          const ciphertext = await fixture.withToken('node1', (token) => token.encrypt(selector, data));
          expect(await fixture.withToken(member, (token) => token.decrypt(selector, ciphertext))).toEqual(data);
        } else {
          const founderMac = await fixture.withToken('node1', (token) => token.sign(selector, data));
          expect(await fixture.withToken(member, (token) => token.sign(selector, data))).toEqual(founderMac);
        }
      }
    }

    const member = await fixture.client.workflow.getHandle(memberSyncWorkflowId(result.operationId, 'node2')).query(memberStateQuery);
    expect(member).toMatchObject({ state: 'in-sync', keysImported: keySpecs.length, attempts: 1, approvals: { required: 0 } });
  });

  it('imports nothing when run again: it completes at once and says so', async () => {
    const objectsBefore = await fixture.withToken('node2', (token) => token.countObjects());
    const result = await runSync('again', syncInput());

    expect(result.state).toBe('completed');
    expect(result.package).toBeNull();
    expect(result.message).toMatch(/^Nothing to do/);
    expect(result.members.map((member) => [member.member, member.state, member.keysImported])).toEqual([
      ['node2', 'in-sync', 0],
      ['node3', 'in-sync', 0],
    ]);
    expect(await fixture.withToken('node2', (token) => token.countObjects())).toBe(objectsBefore);
    const state = await fixture.client.workflow.getHandle(result.operationId).query(operationStateQuery);
    expect(state.state).toBe('completed');
  });

  it('syncs only the requested key to the member that lacks it, and reports a key that cannot be exported', async () => {
    await fixture.withToken('node1', async (token) => {
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'new-key', id: 'c201' });
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'other-new-key', id: 'c202' });
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'locked-key', id: 'c203', extractable: false });
    });
    const result = await runSync('one-key', syncInput({ keyIds: ['c201', 'c203'], targets: ['node2'] }));

    expect(result.state).toBe('completed');
    expect(result.package?.keyCount).toBe(1);
    expect(result.members).toEqual([expect.objectContaining({ member: 'node2', state: 'in-sync', keysImported: 1 })]);
    expect(result.notExportable).toEqual([expect.objectContaining({ id: 'c203', label: 'locked-key' })]);
    const ids = (await fixture.withToken('node2', (token) => token.inventory())).map((group) => group.id);
    expect(ids).toContain('c201');
    expect(ids).not.toContain('c202');
    expect(ids).not.toContain('c203');
  });

  it('leaves a conflicting key alone, fails only that member as conflict, and still imports its other keys', async () => {
    const theirs = await fixture.withToken('node3', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'clash', id: 'c301' }));
    await fixture.withToken('node1', async (token) => {
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'clash', id: 'c301' });
      await token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'fresh', id: 'c302' });
    });
    const result = await runSync('conflict', syncInput({ keyIds: ['c301', 'c302'] }));

    expect(result.state).toBe('failed');
    expect(result.members.find((member) => member.member === 'node2')).toMatchObject({ state: 'in-sync', keysImported: 2 });
    const node3 = result.members.find((member) => member.member === 'node3');
    expect(node3).toMatchObject({ state: 'failed', reason: 'conflict', keysImported: 1 });
    expect(node3?.detail).toMatch(/clash \(private c301\).*an operator must decide/);
    const node3Keys = await fixture.withToken('node3', (token) => token.inventory());
    expect(node3Keys.filter((group) => group.id === 'c301').map((group) => group.fingerprint)).toEqual([theirs.fingerprint]);
    expect(node3Keys.map((group) => group.id)).toContain('c302');
  });

  it('archives every history it produced, parents and children', async () => {
    const archive = new AuditArchive(fixture.config.auditArchive.dir);
    // The "nothing to do" run started no memberSync; the one-key run had node2 only.
    const [allTypes, again, oneKey] = startedIds as [string, string, string];
    const expected = [allTypes, again, oneKey, memberSyncWorkflowId(allTypes, 'node2'), memberSyncWorkflowId(allTypes, 'node3'), memberSyncWorkflowId(oneKey, 'node2')];
    await waitFor(
      async () => {
        const archived = new Set((await archive.list()).map((entry) => entry.workflowId));
        return expected.every((id) => archived.has(id));
      },
      { timeoutMs: 60_000, description: 'every keySync and memberSync history in the audit archive' },
    );
  });

  it('leaves no PIN and no wrapped key bytes in any history', async () => {
    const secrets = secretsToLookFor(fixture.pins, fixture.packagesDir);
    expect(secrets.length).toBeGreaterThan(Object.keys(fixture.pins).length);
    const ids = startedIds.flatMap((id) => [id, memberSyncWorkflowId(id, 'node2'), memberSyncWorkflowId(id, 'node3')]);
    let scanned = 0;
    for (const id of ids) {
      const history = await fetchHistoryJson(fixture.client, id).catch(() => null);
      if (history === null) continue;
      scanned += 1;
      expect(secretsIn(history, secrets), `secrets in the history of ${id}`).toBe(0);
    }
    expect(scanned).toBeGreaterThanOrEqual(startedIds.length + 3);
    recordHistory('key-sync', startedIds[0]!, await fetchHistoryJson(fixture.client, startedIds[0]!));
    recordHistory('member-sync', memberSyncWorkflowId(startedIds[0]!, 'node2'), await fetchHistoryJson(fixture.client, memberSyncWorkflowId(startedIds[0]!, 'node2')));
    recordHistory('key-sync-nothing-to-do', startedIds[1]!, await fetchHistoryJson(fixture.client, startedIds[1]!));
  });
});

function identity(group: KeyGroup): string {
  return `${group.class}:${group.id}:${group.fingerprint}`;
}

function verifiedByFounderKey(keyType: string, publicKeyDer: Buffer, data: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' });
  if (keyType === 'rsa') return createVerify('sha256').update(data).verify(key, signature);
  return verifySignature('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
}
