// The members' tokens of a production shape, read from outside it: objects counted with pkcs11-tool
// against each member's own softhsm2.conf (each host folder has its own token store), and keys made
// on node1 through the token API in a process of its own, as node1's host would.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ProductionDemoFile } from '../../../apps/stack/production/production-demo-file';
import { repoRoot } from '../../../libs/config/paths';
import type { MemberConfig } from '../../../libs/config/types';
import { countTokenObjects } from '../../faults/support/token-objects';

/** CKA_ID prefix "keysync." in hex: the cluster secrets and a joined token's transport key, not synced keys. */
const RESERVED_ID = /:6b657973796e632e/;

function member(demo: ProductionDemoFile, id: string): ProductionDemoFile['members'][number] {
  const members: Array<ProductionDemoFile['members'][number]> = demo.members;
  const found = members.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`demo.json has no member ${id}`);
  return found;
}

/** Objects by class and CKA_ID on the member's token, reserved `keysync.` ids left out. */
export async function memberObjects(demo: ProductionDemoFile, id: string): Promise<Map<string, number>> {
  const { pkcs11Module, pin, environment } = member(demo, id);
  const counts = await countTokenObjects({ id, pkcs11Module, tokenLabel: id } as MemberConfig, pin, { ...process.env, ...environment });
  return new Map([...counts].filter(([key]) => !RESERVED_ID.test(key)));
}

export function privateKeyCount(counts: Map<string, number>): number {
  return [...counts.keys()].filter((key) => key.startsWith('private-key:')).length;
}

/** The member's private keys, counted with pkcs11-tool. */
export async function memberKeyCount(demo: ProductionDemoFile, id: string): Promise<number> {
  return privateKeyCount(await memberObjects(demo, id));
}

/**
 * Makes `ec` P-256 and `rsa` RSA-2048 keys on node1 with CKA_IDs `<idPrefix>` + a counter (hex, so
 * each call passes a prefix of its own), in a process of its own with node1's softhsm2.conf.
 */
export async function addKeysOnNode1(demo: ProductionDemoFile, home: string, idPrefix: string, ec: number, rsa: number): Promise<void> {
  const node1 = member(demo, 'node1');
  const hsm = join(repoRoot(), 'dist', 'libs', 'hsm', 'index.js');
  const script = `const { openToken } = require(${JSON.stringify(hsm)});
(async () => {
  const token = await openToken({ pkcs11Module: ${JSON.stringify(node1.pkcs11Module)}, tokenLabel: 'node1', pin: { file: ${JSON.stringify(join(home, 'hosts', 'node1', 'node1.pin'))} } });
  const prefix = ${JSON.stringify(idPrefix)};
  try {
    for (let i = 1; i <= ${ec}; i += 1) await token.generateKey({ keyType: 'ec', curve: 'P-256', label: prefix + '-ec-' + i, id: prefix + 'e' + i.toString(16).padStart(3, '0') });
    for (let i = 1; i <= ${rsa}; i += 1) await token.generateKey({ keyType: 'rsa', size: 2048, label: prefix + '-rsa-' + i, id: prefix + 'f' + i.toString(16).padStart(3, '0') });
  } finally {
    await token.close();
  }
})().catch((error) => { console.error(error); process.exit(1); });`;
  await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, ...node1.environment } });
}

/**
 * What every fault test ends with: each object exactly once on node1 and on each target, and each
 * target holding exactly node1's objects. The problems, as sentences; none when all is well.
 */
export async function exactlyOnceProblems(demo: ProductionDemoFile, targets: string[]): Promise<string[]> {
  const problems: string[] = [];
  const repeated = (member: string, counts: Map<string, number>): void => {
    const found = [...counts].filter(([, count]) => count !== 1).map(([key, count]) => `${key} ×${count}`);
    if (found.length > 0) problems.push(`${member} holds objects more than once: ${found.join(', ')}`);
  };
  const founderCounts = await memberObjects(demo, 'node1');
  repeated('node1', founderCounts);
  const founder = [...founderCounts.keys()];
  for (const target of targets) {
    const counts = await memberObjects(demo, target);
    repeated(target, counts);
    const missing = founder.filter((key) => !counts.has(key));
    const extra = [...counts.keys()].filter((key) => !founderCounts.has(key));
    if (missing.length > 0) problems.push(`${target} lacks ${missing.length} of node1's objects, e.g. ${missing.slice(0, 5).join(', ')}`);
    if (extra.length > 0) problems.push(`${target} holds ${extra.length} objects node1 does not, e.g. ${extra.slice(0, 5).join(', ')}`);
  }
  return problems;
}
