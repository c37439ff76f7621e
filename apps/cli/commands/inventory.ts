// `keysync inventory`: every key of the cluster by member, drift marked (missing, another key, or
// duplicated: identical surplus copies, which `keysync repair --member` removes).
import type { Command } from 'commander';
import { run } from '../cli-context';
import type { Cli } from '../cli-context';
import { exitCodes } from '../cli-error';
import { inventoryRows, readInventory } from '../inventory-table';
import type { Presence } from '../inventory-table';
import { table } from '../output';
import { clusterOrDemo } from './operations';

async function inventory(cli: Cli, options: { cluster?: string }): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  const answer = await cli.api('operator').inventory(cluster);
  const members = readInventory(answer);
  const rows = inventoryRows(members);
  const { paint } = cli.out;
  const cell: Record<Presence, string> = {
    present: paint.ok('yes'),
    missing: paint.bad('MISSING'),
    different: paint.bad('OTHER KEY'),
    duplicated: paint.warn('duplicated'),
    unknown: paint.warn('?'),
    retired: paint.warn('RETIRED'),
  };
  cli.out.result({ cluster, members: members.map(({ member, note }) => ({ member, ...(note ? { note } : {}) })), keys: rows, raw: answer }, () => {
    const header = ['KEY', 'ID', 'TYPE', ...members.map((member) => member.member), 'DRIFT'];
    const body = rows.map((row) => [
      row.label || '(no label)',
      row.id,
      `${row.class} ${row.keyType}${row.exportable === false ? ' (not exportable)' : ''}`,
      ...members.map((member) => cell[row.members[member.member] ?? 'unknown']),
      row.drift ? paint.bad('drift') : '',
    ]);
    const drifted = rows.filter((row) => row.drift).length;
    const lines = [table(header, body)];
    for (const member of members) if (member.keys === null) lines.push(paint.warn(`${member.member}: not reachable${member.note ? ` (${member.note})` : ''}`));
    lines.push(drifted === 0 ? paint.ok(`${rows.length} key(s), no drift.`) : paint.bad(`${rows.length} key(s), ${drifted} not held identically, and once, by every member.`));
    const duplicatedOn = members.filter((member) => rows.some((row) => row.members[member.member] === 'duplicated')).map((member) => member.member);
    for (const member of duplicatedOn) lines.push(paint.warn(`${member} holds surplus copies of some keys: remove them with keysync repair --member ${member}`));
    return lines.join('\n');
  });
  return exitCodes.ok;
}

export function registerInventoryCommand(program: Command): void {
  program
    .command('inventory')
    .description('Keys by member, with drift (a key missing on some member, different, or duplicated) marked')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .action(run(inventory));
}
