// An import is not broken by other processes reading the token: on an appliance the PKI
// application reads it all the time. Four shell loops of pkcs11-tool --login --list-objects (their
// own processes, not children of this one) read the target SoftHSM token for the whole import of a
// package of 50 keys. Before the fix about half of such runs failed: a key just unwrapped read back
// as invalid (CKR_OBJECT_HANDLE_INVALID) or without material and was destroyed as invalid-data, or
// the inventory right after lacked a key, or an EC key lost its public object to a reader that
// wrote it back half-read (SoftHSM 2.6.1: module-quirks.ts). The import runs again on a retryable
// HsmError, as the node agent's activity does. Every key must then be imported, listed by the
// inventory with the source fingerprint, and on the token once (pkcs11-tool, after the loops stop).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmError } from '../../libs/hsm';
import type { ImportResult, KeyGroup, Token } from '../../libs/hsm';
import { countTokenObjects } from '../faults/support/token-objects';
import type { ObjectCounts } from '../faults/support/token-objects';
import { createHsmFixture } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';
import type { KeySpec } from './support/key-specs';
import { selectorOf } from './support/key-specs';
import { formCluster } from './support/softhsm-fixture';

const CLUSTER = 'reader-cluster';
const READERS = 4;
// The node agent's activity retries a retryable HsmError without limit; the test allows ten runs, far
// more than any run needed on an idle machine (one or two) and enough under the load of a CI runner.
const IMPORT_ATTEMPTS = 10;
const hex = (n: number) => n.toString(16).padStart(4, '0');
const SPECS: KeySpec[] = [
  ...Array.from({ length: 20 }, (_, i): KeySpec => ({ keyType: 'ec', curve: 'P-256', label: `ec-${i}`, id: `e1${hex(i)}` })),
  ...Array.from({ length: 10 }, (_, i): KeySpec => ({ keyType: 'rsa', size: 2048, label: `rsa-${i}`, id: `a1${hex(i)}` })),
  ...Array.from({ length: 10 }, (_, i): KeySpec => ({ keyType: 'aes', size: 256, label: `aes-${i}`, id: `c1${hex(i)}` })),
  ...Array.from({ length: 10 }, (_, i): KeySpec => ({ keyType: 'generic-secret', size: 256, label: `hmac-${i}`, id: `d1${hex(i)}` })),
];
const KIND = { private: 'private-key', secret: 'secret-key' } as const;

/** A shell loop listing the token's objects with pkcs11-tool until stopped; resolves with the listings that completed. */
function listObjectsInALoop(ref: TestTokenRef): { stop: () => Promise<number> } {
  const command = `pkcs11-tool --module '${ref.pkcs11Module}' --token-label '${ref.tokenLabel}' --login --pin "$PIN" --list-objects`;
  const child = spawn('bash', ['-c', `n=0; trap 'echo $n; exit 0' TERM; while true; do ${command} >/dev/null 2>&1 && n=$((n+1)); done`], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, PIN: ref.pinValue },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      return Number(out.trim()) || 0;
    },
  };
}

describe('on softhsm: an import while other processes list the token objects', () => {
  let fx: HsmFixture;
  let targetRef: TestTokenRef;
  let source: Token;
  let target: Token;
  let result: ImportResult;
  let inventory: KeyGroup[];
  let sourceGroups: KeyGroup[];
  let listings: number[];
  let counts: ObjectCounts;

  beforeAll(async () => {
    fx = createHsmFixture('softhsm', 'reader');
    const [sourceRef, madeTargetRef] = (await fx.createTokens(['reader-source', 'reader-target'])) as [TestTokenRef, TestTokenRef];
    targetRef = madeTargetRef;
    source = await fx.open(sourceRef);
    target = await fx.open(targetRef);
    await formCluster(source, [target]);
    for (const spec of SPECS) await source.generateKey(spec);
    sourceGroups = await source.inventory();
    const exported = await source.exportPackage({ clusterId: CLUSTER, sourceMember: 'node1', keys: SPECS.map(selectorOf), ttlSeconds: 3600 });

    const readers = Array.from({ length: READERS }, () => listObjectsInALoop(targetRef));
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          result = await target.importPackage(exported.bytes, { clusterId: CLUSTER, expectedDigest: exported.ref.digest });
          break;
        } catch (error) {
          if (attempt >= IMPORT_ATTEMPTS || !(error instanceof HsmError && error.retryable)) throw error;
        }
      }
      inventory = await target.inventory();
    } finally {
      listings = await Promise.all(readers.map((reader) => reader.stop()));
    }
    counts = await countTokenObjects(targetRef, targetRef.pinValue);
  }, 300_000);

  afterAll(() => fx.dispose());

  it('the readers listed the token while the import ran', () => {
    expect(listings.every((count) => count > 0)).toBe(true);
  });

  it('imports and proves every key (skipped: already imported by an attempt that was run again)', () => {
    expect(result.entries.filter((entry) => entry.outcome !== 'imported' && entry.outcome !== 'skipped').map((entry) => `${entry.id} ${entry.outcome} ${entry.reason ?? ''}`)).toEqual([]);
    expect(result.entries).toHaveLength(SPECS.length);
  });

  it('the inventory right after lists every key with the source fingerprint', () => {
    const held = (groups: KeyGroup[]) => groups.map((group) => `${group.class}:${group.id}:${group.fingerprint}`).sort();
    expect(held(inventory)).toEqual(held(sourceGroups));
  });

  it('every key object is on the token once, counted with pkcs11-tool', () => {
    for (const spec of SPECS) expect(counts.get(`${KIND[selectorOf(spec).class]}:${spec.id}`), spec.id).toBe(1);
  });
});
