// `keysync retire`: destroys a key on every member (DESIGN 13), after approvals given once for the
// whole operation (`keysync approve <id> --member '*'`) and a recovery package kept; with --wait it
// follows the retire until every member is final and exits 0 only when the key is retired on all.
import type { Command } from 'commander';
import { keyClasses } from '../../../libs/contract/keys';
import type { KeyClass } from '../../../libs/contract/keys';
import { run } from '../cli-context';
import type { Cli } from '../cli-context';
import { CliError, exitCodes } from '../cli-error';
import { clusterOrDemo, reportOperation } from './operations';

interface RetireOptions {
  cluster?: string;
  reason: string;
  class?: string;
  allowWithoutRecovery?: boolean;
  idempotencyKey?: string;
  wait?: boolean;
}

async function retire(cli: Cli, keyId: string, options: RetireOptions): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  if (options.class !== undefined && !(keyClasses as readonly string[]).includes(options.class)) {
    throw new CliError('invalid-input', `--class must be ${keyClasses.join(' or ')}, not ${options.class}.`, exitCodes.usage);
  }
  const request = {
    reason: options.reason,
    ...(options.class ? { class: options.class as KeyClass } : {}),
    ...(options.allowWithoutRecovery ? { allowWithoutRecovery: true } : {}),
  };
  const started = await cli.api('operator').startRetire(cluster, keyId, request, options.idempotencyKey);
  cli.out.info(`started ${started.operationId}`);
  if (!cli.out.json) cli.out.note(`Approvers approve it once for every member: keysync approve ${started.operationId} --member '*' --key <approver.pem>`);
  return reportOperation(cli, started.operationId, options.wait === true, 'operator');
}

export function registerRetireCommand(program: Command): void {
  program
    .command('retire')
    .description('Retire a key: destroy it on every member, after approvals (member *) and a recovery package kept')
    .argument('<keyId>', 'the CKA_ID of the key, hex (as keysync inventory shows it)')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .requiredOption('--reason <text>', 'why, for the audit trail and the tombstone')
    .option('--class <class>', 'private or secret, when the id names keys of both classes')
    .option('--allow-without-recovery', 'retire a key no member can export: no recovery package, it cannot be restored')
    .option('--idempotency-key <key>', 'a retried command with the same key starts nothing new')
    .option('--wait', 'follow it until every member is final; exit 0 only when the key is retired on all')
    .action(run(retire));
}
