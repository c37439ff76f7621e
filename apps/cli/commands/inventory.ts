// `keysync inventory`: every key of the cluster by member, drift marked (missing, another key,
// duplicated: identical surplus copies, which `keysync repair --member` removes, or differs: the
// same key with another label or certificate than the reference member's), and keys retired
// through KeySync still found on a member marked retired.
import type { Command } from 'commander';
import { run } from '../cli-context';
import type { Cli } from '../cli-context';
import { exitCodes } from '../cli-error';
import { inventoryRows, readInventory, readRetired } from '../../../libs/api-client/inventory-rows';
import type { Presence } from '../../../libs/api-client/inventory-rows';
import { table } from '../output';
import { clusterOrDemo } from './operations';

async function inventory(cli: Cli, options: { cluster?: string }): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  const answer = await cli.api('operator').inventory(cluster);
  const members = readInventory(answer);
  const rows = inventoryRows(members, readRetired(answer));
  const { paint } = cli.out;
  const cell: Record<Presence, string> = {
    present: paint.ok('yes'),
    missing: paint.bad('MISSING'),
    different: paint.bad('OTHER KEY'),
    duplicated: paint.warn('duplicated'),
    unknown: paint.warn('?'),
    retired: paint.warn('RETIRED'),
    differs: paint.warn('differs'),
  };
  cli.out.result({ cluster, members: members.map(({ member, note }) => ({ member, ...(note ? { note } : {}) })), keys: rows, raw: answer }, () => {
    const header = ['KEY', 'ID', 'TYPE', ...members.map((member) => member.member), 'DRIFT'];
    const body = rows.map((row) => [
      row.label || '(no label)',
      row.id,
      `${row.class} ${row.keyType}${row.exportable === false ? ' (not exportable)' : ''}`,
      // A member a retired key has left shows that it is gone, on purpose.
      ...members.map((member) => (row.retired && row.members[member.member] === 'missing' ? paint.ok('gone') : cell[row.members[member.member] ?? 'unknown'])),
      row.drift ? paint.bad('drift') : row.retired ? paint.warn('retired') : '',
    ]);
    const drifted = rows.filter((row) => row.drift).length;
    const lines = [table(header, body)];
    for (const member of members) if (member.keys === null) lines.push(paint.warn(`${member.member}: not reachable${member.note ? ` (${member.note})` : ''}`));
    lines.push(drifted === 0 ? paint.ok(`${rows.length} key(s), no drift.`) : paint.bad(`${rows.length} key(s), ${drifted} not held identically, and once, by every member.`));
    const duplicatedOn = members.filter((member) => rows.some((row) => row.members[member.member] === 'duplicated')).map((member) => member.member);
    for (const row of rows.filter((candidate) => candidate.retired)) {
      const still = members.filter((member) => row.members[member.member] === 'retired').map((member) => member.member);
      lines.push(paint.warn(`${row.label || row.id} is retired but still on ${still.join(', ')}: its retire has not reached them yet (an agent down?) or did not finish; see keysync status of the retire.`));
    }
    for (const row of rows.filter((candidate) => Object.keys(candidate.differences).length > 0)) {
      const which = Object.entries(row.differences).map(([member, what]) => `${member} (${what.join(' and ')})`);
      lines.push(
        paint.warn(
          `${row.label || row.id} differs on ${which.join(', ')}: a sync from the member with the reference copy updates them (drift auto heals a certificate from the newest one, never a label).`,
        ),
      );
    }
    for (const member of duplicatedOn) lines.push(paint.warn(`${member} holds surplus copies of some keys: remove them with keysync repair --member ${member}`));
    return lines.join('\n');
  });
  return exitCodes.ok;
}

export function registerInventoryCommand(program: Command): void {
  program
    .command('inventory')
    .description(
      'Keys by member, with drift (a key missing on some member, different, duplicated, or differs: another label or certificate) and retired keys still on a member marked',
    )
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .action(run(inventory));
}
