// The node agent's activities on real SoftHSM tokens, through the package store: the join path
// (transport key, wrap, unwrap), export then import, idempotent re-import, heartbeats, and the
// typed failures for a tampered package, a wrong cluster and an unapproved transport key.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeAgentActivities } from '../../activities/node-agent';
import { createTokenSource } from '../../activities/token-source';
import type { TokenSource } from '../../activities/token-source';
import type { MemberConfig } from '../../libs/config/types';
import type { ImportPackageResult, NodeAgentActivities } from '../../libs/contract/activities';
import { FailureTypes } from '../../libs/contract/failure-types';
import { decodePackage, encodePackage, openToken } from '../../libs/hsm';
import type { KeyGroup, KeySelector } from '../../libs/hsm';
import { DirectoryPackageStore } from '../../libs/package-store';
import { createTestTokens } from './support/test-tokens';
import type { TestTokens } from './support/test-tokens';

const CLUSTER = 'agents-c1';

describe('node agent activities on real tokens', () => {
  let dir: string;
  let tokens: TestTokens;
  let store: DirectoryPackageStore;
  const sources: TokenSource[] = [];
  const agents: Record<string, NodeAgentActivities> = {};
  let sourceKeys: KeyGroup[];

  function agentFor(member: MemberConfig, clusterId = CLUSTER): NodeAgentActivities {
    const source = createTokenSource(member, openToken);
    sources.push(source);
    return createNodeAgentActivities({ member, clusterId, packageStore: store, tokens: source });
  }

  function member(id: string): MemberConfig {
    return tokens.members.find((candidate) => candidate.id === id)!;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keysync-agents-'));
    tokens = await createTestTokens(dir, ['founder', 'joiner', 'stranger'], 'agt');
    store = new DirectoryPackageStore(join(dir, 'packages'));
    for (const id of ['founder', 'joiner', 'stranger']) agents[id] = agentFor(member(id));

    const founder = await openToken(member('founder'));
    const stranger = await openToken(member('stranger'));
    try {
      await founder.createClusterSecrets();
      await stranger.createClusterSecrets();
      await founder.generateKey({ keyType: 'ec', curve: 'P-256', label: 'ec-key', id: 'a1' });
      await founder.generateKey({ keyType: 'rsa', size: 2048, label: 'rsa-key', id: 'a2' });
      await founder.generateKey({ keyType: 'ec', curve: 'P-256', label: 'locked-key', id: 'a3', extractable: false });
      sourceKeys = await founder.inventory();
    } finally {
      await founder.close();
      await stranger.close();
    }
  });

  afterAll(async () => {
    await Promise.all(sources.map((source) => source.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function expectFailure(promise: Promise<unknown>, type: string, nonRetryable: boolean): Promise<ApplicationFailure> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type, nonRetryable });
    return error as ApplicationFailure;
  }

  it('brings the cluster secrets to a joining token through its transport key: same check values after', async () => {
    const founderKcv = await agents.founder!.reportClusterSecrets();
    expect(await agents.joiner!.reportClusterSecrets()).toBeNull();

    const transport = await agents.joiner!.createTransportKey();
    const wrapped = await agents.founder!.wrapSecretsForJoin({ operationId: 'join:agents-c1:joiner', transportPublicKeyDer: transport.publicKeyDer, transportFingerprint: transport.fingerprint });
    expect(await store.has(wrapped.blob.digest)).toBe(true);
    const received = await agents.joiner!.receiveClusterSecrets({ operationId: 'join:agents-c1:joiner', blob: wrapped.blob });

    expect(received).toEqual(founderKcv);
    expect(await agents.joiner!.reportClusterSecrets()).toEqual(founderKcv);
  });

  it("reports its token's capabilities, and the transport key states the joining token's OAEP hashes", async () => {
    const capabilities = await agents.founder!.reportCapabilities();
    expect(capabilities).toMatchObject({ manufacturer: 'SoftHSM project', wrapFormats: ['aes-kwp'], wrapMechanisms: { 'aes-kwp': '0x210A' }, oaepHashes: ['sha1'], hmac: true });
    expect((await agents.joiner!.createTransportKey()).oaepHashes).toEqual(['sha1']);
  });

  it('answers a survey in one call with the same check values, inventory and capabilities as the three separate calls', async () => {
    const survey = await agents.founder!.surveyToken({});
    expect(survey.kcv).not.toBeNull();
    expect(survey).toEqual({
      kcv: await agents.founder!.reportClusterSecrets(),
      inventory: await agents.founder!.inventoryKeys(),
      capabilities: await agents.founder!.reportCapabilities(),
    });
  });

  it('answers a survey of named keys with only their groups, as the whole inventory lists them', async () => {
    const inventory = await agents.founder!.inventoryKeys();
    const ids = [...new Set(inventory.map((group) => group.id))];
    expect(ids.length).toBeGreaterThan(1);
    const named = [ids[0]!.toUpperCase(), ids.at(-1)!, 'ffff0001'];
    const survey = await agents.founder!.surveyToken({ keyIds: named });
    expect(survey.inventory).toEqual(inventory.filter((group) => group.id === ids[0] || group.id === ids.at(-1)));
    expect(survey.kcv).toEqual(await agents.founder!.reportClusterSecrets());
  });

  it('wraps for a join with the OAEP hash the workflow chose, or chooses it from the joining hashes, and refuses one the sponsor lacks as a non-retryable hsm-error', async () => {
    const transport = await agents.joiner!.createTransportKey();
    const join = { operationId: 'join:agents-c1:joiner', transportPublicKeyDer: transport.publicKeyDer, transportFingerprint: transport.fingerprint };
    expect((await agents.founder!.wrapSecretsForJoin({ ...join, oaepHash: 'sha1' })).oaepHash).toBe('sha1');
    expect((await agents.founder!.wrapSecretsForJoin({ ...join, joiningOaepHashes: ['sha256', 'sha1'] })).oaepHash).toBe('sha1');
    const refused = await expectFailure(agents.founder!.wrapSecretsForJoin({ ...join, oaepHash: 'sha256' }), FailureTypes.hsmError, true);
    expect(refused.message).toMatch(/does not do RSA-OAEP with SHA256 \(it does: sha1\)/);
  });

  it('refuses to wrap the cluster secrets for a transport key other than the approved one', async () => {
    const approved = await agents.joiner!.createTransportKey();
    const other = await agents.stranger!.createTransportKey();
    const failure = await expectFailure(
      agents.founder!.wrapSecretsForJoin({ operationId: 'join:x', transportPublicKeyDer: other.publicKeyDer, transportFingerprint: approved.fingerprint }),
      FailureTypes.transportKeyMismatch,
      true,
    );
    expect(failure.message).toContain(approved.fingerprint);
  });

  it('exports the exportable keys into the store and imports them once on another member, with heartbeats', async () => {
    const selectors: KeySelector[] = sourceKeys.map(({ class: keyClass, id }) => ({ class: keyClass, id }));
    const exported = await agents.founder!.exportKeys({ operationId: 'sync:agents-c1:1', keys: selectors, ttlSeconds: 3600, wrapFormat: 'aes-kwp' });
    expect(exported.package.keyCount).toBe(2);
    expect(exported.wrapFormat).toBe('aes-kwp');
    expect(exported.entries.map((entry) => entry.id).sort()).toEqual(['a1', 'a2']);
    expect(exported.notExportable).toEqual([{ class: 'private', id: 'a3' }]);
    expect(await store.has(exported.package.digest)).toBe(true);

    const environment = new MockActivityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    const first = await environment.run(agents.joiner!.importPackage, { operationId: 'sync:agents-c1:1', package: exported.package });
    expect(first).toMatchObject({ imported: 2, skipped: 0, conflicts: 0 });
    expect(beats.at(-1)).toEqual({ done: 2, total: 2 });

    const second = await new MockActivityEnvironment().run(agents.joiner!.importPackage, { operationId: 'sync:agents-c1:1', package: exported.package });
    expect(second).toMatchObject({ imported: 0, skipped: 2, conflicts: 0 });

    const fingerprints = (keys: KeyGroup[]) => keys.filter((key) => key.exportable).map((key) => `${key.class}:${key.id}:${key.fingerprint}`).sort();
    expect(fingerprints(await agents.joiner!.inventoryKeys())).toEqual(fingerprints(sourceKeys));

    // On the founder, which also holds a3: the inventory read with the import holds the package's keys as the whole inventory shows them, and no other.
    const onFounder: ImportPackageResult = await new MockActivityEnvironment().run(agents.founder!.importPackage, { operationId: 'sync:agents-c1:1', package: exported.package, inventoryAfter: true });
    expect(onFounder).toMatchObject({ imported: 0, skipped: 2 });
    expect(onFounder.inventoryAfter).toEqual((await agents.founder!.inventoryKeys()).filter((group) => group.id !== 'a3'));
  });

  it('fails a package altered after export as non-retryable tampered-package, importing nothing', async () => {
    const exported = await agents.founder!.exportKeys({ operationId: 'sync:agents-c1:2', keys: [{ class: 'private', id: 'a1' }], ttlSeconds: 3600 });
    const file = decodePackage(await store.get(exported.package.digest));
    // A forger keeps the MAC but changes what the key claims to be.
    const forged = encodePackage({ header: file.header, entries: file.entries.map((entry) => ({ ...entry, label: 'renamed' })) }, Buffer.from(file.trailer.mac, 'hex'));
    const stored = await store.put(forged);
    const before = await agents.joiner!.inventoryKeys();

    const failure = await expectFailure(
      new MockActivityEnvironment().run(agents.joiner!.importPackage, { operationId: 'sync:agents-c1:2', package: { ...stored, keyCount: 1 } }),
      FailureTypes.tamperedPackage,
      true,
    );
    expect(failure.message).toMatch(/nothing was imported/i);
    expect(await agents.joiner!.inventoryKeys()).toEqual(before);
  });

  it('fails a package whose file was changed in the store after export as tampered-package', async () => {
    const exported = await agents.founder!.exportKeys({ operationId: 'sync:agents-c1:3', keys: [{ class: 'private', id: 'a2' }], ttlSeconds: 3600 });
    const path = store.pathOf(exported.package.digest);
    const bytes = await readFile(path);
    await chmod(path, 0o640);
    await writeFile(path, Buffer.concat([bytes, Buffer.from(' ')]));
    await expectFailure(
      new MockActivityEnvironment().run(agents.joiner!.importPackage, { operationId: 'sync:agents-c1:3', package: exported.package }),
      FailureTypes.tamperedPackage,
      true,
    );
  });

  it('reports a package missing from the store as retryable package-unavailable', async () => {
    const missing = { digest: 'f'.repeat(64), size: 10, keyCount: 1 };
    await expectFailure(new MockActivityEnvironment().run(agents.joiner!.importPackage, { operationId: 'sync:agents-c1:4', package: missing }), 'package-unavailable', false);
  });

  it('fails a package of this cluster on a token holding other cluster secrets as wrong-cluster', async () => {
    const exported = await agents.founder!.exportKeys({ operationId: 'sync:agents-c1:5', keys: [{ class: 'private', id: 'a1' }], ttlSeconds: 3600 });
    await expectFailure(new MockActivityEnvironment().run(agents.stranger!.importPackage, { operationId: 'sync:agents-c1:5', package: exported.package }), FailureTypes.wrongCluster, true);
  });

  it('fails a package of another cluster id as wrong-cluster', async () => {
    const exported = await agents.founder!.exportKeys({ operationId: 'sync:agents-c1:6', keys: [{ class: 'private', id: 'a1' }], ttlSeconds: 3600 });
    const joinerInOtherCluster = agentFor(member('joiner'), 'agents-other');
    await expectFailure(new MockActivityEnvironment().run(joinerInOtherCluster.importPackage, { operationId: 'sync:agents-other:6', package: exported.package }), FailureTypes.wrongCluster, true);
  });

  it('stops an import when the activity is cancelled and reports the cancellation', async () => {
    const exported = await agents.founder!.exportKeys({ operationId: 'sync:agents-c1:7', keys: [{ class: 'private', id: 'a1' }], ttlSeconds: 3600 });
    const environment = new MockActivityEnvironment();
    environment.cancel();
    await expect(environment.run(agents.joiner!.importPackage, { operationId: 'sync:agents-c1:7', package: exported.package })).rejects.toBeInstanceOf(CancelledFailure);
  });

  it('fails an unreadable PIN as non-retryable bad-pin without naming the PIN', async () => {
    const wrong = agentFor({ ...member('joiner'), pin: { env: 'KEYSYNC_TEST_UNSET_PIN_VARIABLE' } });
    const failure = await expectFailure(wrong.inventoryKeys(), FailureTypes.badPin, true);
    expect(failure.message).not.toContain(tokens.pins.joiner!);
  });
});
