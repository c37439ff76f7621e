// The proof every concurrency test ends with: each synced key is on a member exactly once, counted
// by class and CKA_ID with pkcs11-tool in its own process (libs/hsm's inventory folds copies, so
// it is not the witness here).
import { expect } from 'vitest';
import { countTokenObjects } from '../../faults/support/token-objects';
import type { ClusterFixture } from '../../workflows/support/cluster-fixture';

/** Asserts that `member` holds, for every id, exactly one private key object and one public key object. */
export async function expectEachKeyOnce(fixture: ClusterFixture, member: string, ids: readonly string[]): Promise<void> {
  const config = fixture.cluster.members.find((candidate) => candidate.id === member);
  if (!config) throw new Error(`no member ${member} in this fixture`);
  const counts = await countTokenObjects(config, fixture.pins[member]!);
  const seen = ids.flatMap((id) => [`private-key:${id}`, `public-key:${id}`]).map((object) => [object, counts.get(object) ?? 0] as const);
  expect(seen.filter(([, count]) => count !== 1), `objects on ${member} not present exactly once`).toEqual([]);
}

/** `count` EC P-256 key pairs on the member, ids `<prefix>01`.. (hex), made one after another. */
export async function makeKeys(fixture: ClusterFixture, member: string, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}${(index + 1).toString(16).padStart(2, '0')}`);
  await fixture.withToken(member, async (token) => {
    for (const id of ids) await token.generateKey({ keyType: 'ec', curve: 'P-256', label: `key-${id}`, id });
  });
  return ids;
}
