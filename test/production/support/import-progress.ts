// How far a member's import has got, read without touching its token. SoftHSM's file store keeps
// one `<uuid>.object` file per token object in the token's folder, so counting those files follows
// the import from outside. pkcs11-tool is not a neutral witness of SoftHSM 2.6.1 during an import:
// a process that reads an object while another creates it can write it back with defaults for the
// attributes it missed (and its file locks are released before writes are flushed), so the agent
// saw keys read back invalid or lose their material. libs/hsm now confirms and repairs an import
// on SoftHSM (module-quirks.ts, test/hsm/concurrent-reader.test.ts), but a reader still writes to
// the token it watches, so pkcs11-tool counts only before a sync starts and after it has ended.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProductionDemoFile } from '../../../apps/stack/production/production-demo-file';
import { waitFor } from '../../support/wait-for';
import { memberObjects } from './member-tokens';

export interface ImportProgress {
  member: string;
  /** Objects the sync adds to the member: node1's synced objects it does not hold yet. */
  toImport: number;
  /** Objects added since importProgress was called. */
  imported(): number;
}

function tokenFolder(demo: ProductionDemoFile, member: string): string {
  const found = (demo.members as Array<ProductionDemoFile['members'][number]>).find((candidate) => candidate.id === member);
  if (!found) throw new Error(`demo.json has no member ${member}`);
  const conf = readFileSync(found.environment.SOFTHSM2_CONF!, 'utf8');
  const folder = /^\s*directories\.tokendir\s*=\s*(.+?)\s*$/m.exec(conf)?.[1];
  if (!folder) throw new Error(`${found.environment.SOFTHSM2_CONF} names no directories.tokendir`);
  return folder;
}

/** Object files of every token in the member's SoftHSM folder (token.object is the token itself). */
function objectFiles(folder: string): number {
  let count = 0;
  for (const token of readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    count += readdirSync(join(folder, token.name)).filter((file) => file.endsWith('.object') && file !== 'token.object').length;
  }
  return count;
}

/** Call before the sync starts (pkcs11-tool still counts here, while no agent uses the tokens). */
export async function importProgress(demo: ProductionDemoFile, members: string[]): Promise<ImportProgress[]> {
  const founder = await memberObjects(demo, 'node1');
  return Promise.all(
    members.map(async (member) => {
      const held = await memberObjects(demo, member);
      const folder = tokenFolder(demo, member);
      const before = objectFiles(folder);
      return { member, toImport: [...founder.keys()].filter((key) => !held.has(key)).length, imported: () => objectFiles(folder) - before };
    }),
  );
}

export function describeProgress(progress: ImportProgress[]): string {
  return progress.map((one) => `${one.imported()} of ${one.toImport} objects imported on ${one.member}`).join(', ');
}

/**
 * Waits until a member has imported at least `fraction` of its objects but not all of them, and
 * says where each member is then. Fails, saying so, if every import ends before a poll sees one
 * part-way (the fault would land after the work).
 */
export async function waitForImportPartWay(progress: ImportProgress[], fraction: number): Promise<string> {
  const seen = await waitFor(
    () => {
      const summary = describeProgress(progress);
      if (progress.every((one) => one.imported() >= one.toImport)) return { partWay: false, summary };
      const under = progress.some((one) => one.imported() >= Math.max(1, Math.ceil(fraction * one.toImport)) && one.imported() < one.toImport);
      return under ? { partWay: true, summary } : false;
    },
    { timeoutMs: 240_000, intervalMs: 5, description: `an import ${Math.round(fraction * 100)} % of the way (${progress.map((one) => one.member).join(', ')})` },
  );
  if (!seen.partWay) throw new Error(`Every import ended before one was seen ${Math.round(fraction * 100)} % of the way, so nothing would be killed part-way: ${seen.summary}`);
  return seen.summary;
}

/** A random point of an import, within its first four fifths so a poll still sees it part-way. */
export function randomFraction(): number {
  return 0.05 + Math.random() * 0.75;
}
