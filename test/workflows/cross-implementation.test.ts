// keySync and join across PKCS#11 implementations, on the real dev server and real tokens (SoftHSM,
// Kryoptic and NSS softoken, made by libs/hsm's provisionTokens, each served by its own node agent):
// - every key type SoftHSM -> Kryoptic -> NSS -> SoftHSM, each hop in the format the two tokens
//   share (aes-kwp, each with its own mechanism: 0x210A on SoftHSM, 0x210B on the others), recorded
//   in the operation; each key then used on its new token against the first source;
// - joins choosing the RSA-OAEP hash: SHA-1 for a Kryoptic member sponsored by SoftHSM (which has
//   nothing else), SHA-256 for an NSS member sponsored by Kryoptic; recorded in state and history;
// - a target kept off aes-kwp (configuration `"aes-kwp": "none"`) shares no format with a SoftHSM
//   source: it fails unsupported-mechanism before anything is exported, while another target syncs.
// - two members whose overrides disagree about aes-kwp (NSS wrapping with its 0x210A, which is
//   RFC 3394 over PKCS#7; SoftHSM unwrapping with plain RFC 3394): the AES and HMAC keys arrive
//   wrong without an error, fail their proof and are destroyed; the member fails invalid-data,
//   naming them, with the key pair imported.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeySelector } from '../../libs/contract/keys';
import type { KeySyncInput } from '../../libs/contract/operation-inputs';
import { joinWorkflowId, keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import type { JoinWorkflow, KeySyncWorkflow } from '../../libs/contract/workflow-types';
import type { GenerateKeySpec } from '../../libs/hsm/token';
import { createClusterFixture } from './support/cluster-fixture';
import type { ClusterFixture } from './support/cluster-fixture';
import { fetchHistoryJson, recordHistory, scheduledActivityInputs, secretsIn, secretsToLookFor } from './support/histories';

/** Every key type and curve KeySync carries; RSA at one size (sizes share one code path and are slow to make). */
const SPECS: Array<GenerateKeySpec & { id: string; label: string }> = [
  { keyType: 'rsa', size: 2048, label: 'x-rsa-2048', id: '7a01' },
  { keyType: 'ec', curve: 'P-256', label: 'x-ec-p256', id: '7b01' },
  { keyType: 'ec', curve: 'P-384', label: 'x-ec-p384', id: '7b02' },
  { keyType: 'ec', curve: 'P-521', label: 'x-ec-p521', id: '7b03' },
  { keyType: 'aes', size: 256, label: 'x-aes-256', id: '7c01' },
  { keyType: 'generic-secret', size: 256, label: 'x-hmac-256', id: '7d01' },
];
const selectorOf = (spec: (typeof SPECS)[number]): KeySelector => ({ class: spec.keyType === 'aes' || spec.keyType === 'generic-secret' ? 'secret' : 'private', id: spec.id });

const MECHANISM = { softhsm: '0x210A', standard: '0x210B' };
/** Mechanism numbers for the mismatched overrides (the configuration refuses 0x2109; a member's token reference takes any number). */
const CKM_AES_KEY_WRAP = 0x2109;
const CKM_AES_KEY_WRAP_PAD = 0x210a;

describe('keySync and join across SoftHSM, Kryoptic and NSS softoken', () => {
  let fixture: ClusterFixture;
  let counter = 0;

  const sync = async (source: string, targets: string[]) => {
    counter += 1;
    const workflowId = keySyncWorkflowId(fixture.clusterId, `cross-${counter}`);
    const input: KeySyncInput = { cluster: fixture.snapshot(), source, targets, requestedBy: 'operator', reason: 'cross-implementation test' };
    const result = await fixture.client.workflow.execute<KeySyncWorkflow>(workflowTypes.keySync, { taskQueue: fixture.orchestratorQueue, workflowId, args: [input] });
    return { workflowId, result };
  };

  beforeAll(async () => {
    fixture = await createClusterFixture({
      members: ['soft1', 'kry1', 'nss1', 'soft2', 'kryjoin', 'nssjoin', 'krypkcs7', 'nssbad', 'softbad'],
      implementations: { kry1: 'kryoptic', kryjoin: 'kryoptic', krypkcs7: 'kryoptic', nss1: 'nss', nssjoin: 'nss', nssbad: 'nss' },
      wrapMechanisms: { krypkcs7: { 'aes-kwp': 'none' }, nssbad: { 'aes-kwp': CKM_AES_KEY_WRAP_PAD }, softbad: { 'aes-kwp': CKM_AES_KEY_WRAP } },
      withSecrets: ['soft1', 'kry1', 'nss1', 'soft2', 'krypkcs7', 'nssbad', 'softbad'],
      joinPolicy: { approvals: 0, timeoutSeconds: 60 },
    });
    await fixture.withToken('soft1', async (token) => {
      for (const spec of SPECS) await token.generateKey(spec);
    });
    await fixture.startWorkers();
  });

  afterAll(async () => {
    await fixture?.close();
  });

  describe.each([
    ['soft1', 'kry1', MECHANISM.softhsm, MECHANISM.standard],
    ['kry1', 'nss1', MECHANISM.standard, MECHANISM.standard],
    ['nss1', 'soft2', MECHANISM.standard, MECHANISM.softhsm],
  ])('every key type from %s to %s', (source, target, sourceMechanism, targetMechanism) => {
    it('syncs in aes-kwp with each token’s own mechanism, recorded with the tokens’ identities', async () => {
      const { workflowId, result } = await sync(source, [target]);
      expect(result.state).toBe('completed');
      expect(result.members).toEqual([expect.objectContaining({ member: target, state: 'in-sync', keysImported: SPECS.length })]);
      expect(result.wrapFormat).toBe('aes-kwp');
      expect(result.tokens?.map((token) => [token.member, token.role, token.wrapMechanism])).toEqual([
        [source, 'source', sourceMechanism],
        [target, 'target', targetMechanism],
      ]);
      for (const token of result.tokens ?? []) expect(token.manufacturer).toMatch(/SoftHSM project|Kryoptic Project|Mozilla Foundation/);
      const history = await fetchHistoryJson(fixture.client, workflowId);
      expect(scheduledActivityInputs(history, 'exportKeys')).toEqual([expect.objectContaining({ wrapFormat: 'aes-kwp' })]);
      expect(secretsIn(history, secretsToLookFor(fixture.pins, fixture.packagesDir))).toBe(0);
      if (source === 'soft1') recordHistory('key-sync-capabilities', workflowId, history);
    });

    it('each key works on its new token: signatures verify with soft1’s public key, AES and HMAC agree with soft1', async () => {
      const data = randomBytes(48);
      await fixture.withToken('soft1', (original) =>
        fixture.withToken(target, async (copy) => {
          for (const spec of SPECS) {
            const selector = selectorOf(spec);
            if (spec.keyType === 'rsa' || spec.keyType === 'ec') {
              const key = createPublicKey({ key: (await original.publicKeyDer(selector))!, format: 'der', type: 'spki' });
              const signature = await copy.sign(selector, data);
              expect(verify('sha256', data, spec.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature), spec.label).toBe(true);
            } else if (spec.keyType === 'aes') {
              expect(await original.decrypt(selector, await copy.encrypt(selector, data)), spec.label).toEqual(data);
              expect(await copy.decrypt(selector, await original.encrypt(selector, data)), spec.label).toEqual(data);
            } else {
              expect(await copy.sign(selector, data), spec.label).toEqual(await original.sign(selector, data));
            }
          }
        }),
      );
    });
  });

  it('a Kryoptic member sponsored by SoftHSM joins with RSA-OAEP SHA-1, the one hash both have, recorded in its state and history', async () => {
    const workflowId = joinWorkflowId(fixture.clusterId, 'kryjoin');
    const result = await fixture.client.workflow.execute<JoinWorkflow>(workflowTypes.join, {
      taskQueue: fixture.orchestratorQueue,
      workflowId,
      args: [{ cluster: fixture.snapshot(), member: 'kryjoin', sponsor: 'soft1', requestedBy: 'admin', reason: 'cross-implementation join' }],
    });
    expect(result).toMatchObject({ state: 'completed', oaepHash: 'sha1' });
    expect(result.members[0]).toMatchObject({ state: 'in-sync', keysImported: SPECS.length });
    expect(result.tokens).toEqual([
      expect.objectContaining({ member: 'soft1', role: 'sponsor', manufacturer: 'SoftHSM project', oaepHashes: ['sha1'] }),
      expect.objectContaining({ member: 'kryjoin', role: 'joining', manufacturer: 'Kryoptic Project', oaepHashes: ['sha256', 'sha1'] }),
    ]);
    const history = await fetchHistoryJson(fixture.client, workflowId);
    expect(scheduledActivityInputs(history, 'wrapSecretsForJoin')).toEqual([expect.objectContaining({ oaepHash: 'sha1' })]);
    expect(await fixture.withToken('kryjoin', (token) => token.clusterSecretsKcv())).toEqual(await fixture.withToken('soft1', (token) => token.clusterSecretsKcv()));
    expect(secretsIn(history, secretsToLookFor(fixture.pins, fixture.packagesDir))).toBe(0);
    recordHistory('join-oaep-negotiated', workflowId, history);
  });

  it('an NSS member sponsored by Kryoptic joins with RSA-OAEP SHA-256, which both have', async () => {
    const workflowId = joinWorkflowId(fixture.clusterId, 'nssjoin');
    const result = await fixture.client.workflow.execute<JoinWorkflow>(workflowTypes.join, {
      taskQueue: fixture.orchestratorQueue,
      workflowId,
      args: [{ cluster: fixture.snapshot(), member: 'nssjoin', sponsor: 'kry1', requestedBy: 'admin', reason: 'cross-implementation join' }],
    });
    expect(result).toMatchObject({ state: 'completed', oaepHash: 'sha256' });
    expect(result.members[0]).toMatchObject({ state: 'in-sync', keysImported: SPECS.length });
    const history = await fetchHistoryJson(fixture.client, workflowId);
    expect(scheduledActivityInputs(history, 'wrapSecretsForJoin')).toEqual([expect.objectContaining({ oaepHash: 'sha256' })]);
    expect(await fixture.withToken('nssjoin', (token) => token.clusterSecretsKcv())).toEqual(await fixture.withToken('kry1', (token) => token.clusterSecretsKcv()));
  });

  it('a target that shares no wrap format with the source fails unsupported-mechanism before anything is exported', async () => {
    const { workflowId, result } = await sync('soft1', ['krypkcs7']);
    expect(result.state).toBe('failed');
    expect(result.package).toBeNull();
    expect(result.members).toEqual([expect.objectContaining({ member: 'krypkcs7', state: 'failed', reason: 'unsupported-mechanism' })]);
    expect(result.members[0]?.detail).toContain('can unwrap aes-kw-pkcs7 only: it shares no wrap format with the source soft1 (SoftHSM project SoftHSM v2');
    expect(result.members[0]?.detail).toContain('which wraps with aes-kwp');
    expect(result.members[0]?.workflowId).toBeUndefined();
    expect(result.message).toContain('Nothing was exported: krypkcs7 cannot take');
    expect(scheduledActivityInputs(await fetchHistoryJson(fixture.client, workflowId), 'exportKeys')).toEqual([]);
    expect((await fixture.withToken('krypkcs7', (token) => token.inventory())).map((group) => group.id)).toEqual([]);
  });

  it('with another target that shares the format, that one syncs and the unsupported one fails alone, with no member sync', async () => {
    await fixture.withToken('soft1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'x-late', id: '7e01' }));
    const { workflowId, result } = await sync('soft1', ['krypkcs7', 'nss1']);
    expect(result.state).toBe('failed');
    expect(result.wrapFormat).toBe('aes-kwp');
    const byMember = new Map(result.members.map((member) => [member.member, member]));
    expect(byMember.get('nss1')).toMatchObject({ state: 'in-sync', keysImported: 1 });
    expect(byMember.get('krypkcs7')).toMatchObject({ state: 'failed', reason: 'unsupported-mechanism' });
    expect(byMember.get('krypkcs7')?.workflowId).toBeUndefined();
    expect(result.tokens?.find((token) => token.member === 'krypkcs7')).toMatchObject({ wrapFormats: ['aes-kw-pkcs7'] });
    expect(result.tokens?.find((token) => token.member === 'krypkcs7')?.wrapMechanism).toBeUndefined();
    await expect(fixture.client.workflow.getHandle(memberSyncWorkflowId(workflowId, 'krypkcs7')).describe()).rejects.toThrow();
    expect((await fixture.withToken('krypkcs7', (token) => token.inventory())).map((group) => group.id)).toEqual([]);
  });

  it('keys that unwrap wrong (the two members’ mechanisms for aes-kwp disagree) are destroyed: the member fails invalid-data naming them, the key pair imported', async () => {
    const specs = [
      { keyType: 'ec', curve: 'P-256', label: 'bad-ec', id: '7f01' },
      { keyType: 'aes', size: 256, label: 'bad-aes', id: '7f02' },
      { keyType: 'generic-secret', size: 256, label: 'bad-hmac', id: '7f03' },
    ] as const;
    await fixture.withToken('nssbad', async (token) => {
      for (const spec of specs) await token.generateKey(spec);
    });
    const { workflowId, result } = await sync('nssbad', ['softbad']);
    expect(result.state).toBe('failed');
    const member = result.members[0]!;
    expect(member).toMatchObject({ member: 'softbad', state: 'failed', reason: 'invalid-data', keysImported: 1 });
    expect(member.invalidKeys?.map((key) => [key.label, key.reason])).toEqual([
      ['bad-aes', 'invalid-data'],
      ['bad-hmac', 'invalid-data'],
    ]);
    for (const key of member.invalidKeys ?? []) expect(key.detail).toMatch(/check value .* not the package's/);
    expect(member.detail).toMatch(/^On softbad, bad-aes \(secret 7f02\), bad-hmac \(secret 7f03\) unwrapped but failed the proof of being the package's key \(invalidKeys names each check\) and were destroyed again; every other key was imported\. The keys named above/);
    expect((await fixture.withToken('softbad', (token) => token.inventory())).map((group) => group.label)).toEqual(['bad-ec']);
    // The member's audit record carries no key byte or PIN.
    const history = await fetchHistoryJson(fixture.client, memberSyncWorkflowId(workflowId, 'softbad'));
    expect(secretsIn(history, secretsToLookFor(fixture.pins, fixture.packagesDir))).toBe(0);
  });
});
