// `keysync repair`: removes the identical surplus copies of keys on one member (inventory state
// `duplicated`), with the same approvals as a sync to that member. Copies that differ are a
// conflict and are left alone; the operation says how many copies it removed.
import type { Command } from 'commander';
import { run } from '../cli-context';
import type { Cli } from '../cli-context';
import { clusterOrDemo, reportOperation } from './operations';

interface RepairOptions {
  cluster?: string;
  member: string;
  reason?: string;
  idempotencyKey?: string;
  wait?: boolean;
}

async function repair(cli: Cli, options: RepairOptions): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  const reason = options.reason ?? `repair of duplicated keys on ${options.member} (keysync CLI)`;
  const started = await cli.api('operator').startRepair(cluster, options.member, { reason }, options.idempotencyKey);
  cli.out.info(`started ${started.operationId}`);
  return reportOperation(cli, started.operationId, options.wait === true, 'operator');
}

export function registerRepairCommand(program: Command): void {
  program
    .command('repair')
    .description('Remove the identical surplus copies of keys on a member (inventory: duplicated), with the sync approvals')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .requiredOption('--member <member>', 'the member whose duplicated keys are repaired')
    .option('--reason <text>', 'why, for the audit trail')
    .option('--idempotency-key <key>', 'a retried command with the same key starts nothing new')
    .option('--wait', 'follow it until the member is final; exit 0 only when it is in-sync')
    .action(run(repair));
}
