// Operations: `sync` and `join` start them (and follow them with --wait), `status` reads one,
// `cancel` stops what has not finished.
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { ClusterSnapshot } from '../../../libs/contract/cluster';
import type { KeySyncInput } from '../../../libs/contract/operation-inputs';
import { orchestratorTaskQueue } from '../../../libs/contract/task-queues';
import { keySyncWorkflowId } from '../../../libs/contract/workflow-ids';
import { workflowTypes } from '../../../libs/contract/workflow-types';
import type { ClusterView, Operation } from '../api-client';
import { list, run } from '../cli-context';
import type { Cli } from '../cli-context';
import { CliError, exitCodes } from '../cli-error';
import { readDemoFile } from '../connection';
import { allInSync, operationText, verdict } from '../operation-view';
import { waitForOperation } from '../wait-for-operation';

/** --cluster, else the demo's cluster. */
export function clusterOrDemo(cluster: string | undefined): string {
  const chosen = cluster ?? readDemoFile()?.cluster;
  if (!chosen) throw new CliError('no-cluster', 'Name the cluster with --cluster <id>.', exitCodes.usage);
  return chosen;
}

/** Prints the operation once it is final (or right away without --wait) and returns the exit code. */
export async function reportOperation(cli: Cli, operationId: string, wait: boolean, defaultPrincipal: string): Promise<number> {
  const api = cli.api(defaultPrincipal);
  let operation: Operation;
  if (wait) {
    operation = await waitForOperation(api, operationId, cli.out);
  } else {
    operation = await api.operation(operationId);
  }
  // On a terminal the live block stays on screen with each member's final line; elsewhere the summary repeats them.
  const withMembers = !(wait && cli.out.tty);
  cli.out.result(operation, () => [operationText(operation, cli.out.paint, withMembers), wait ? verdict(operation, cli.out.paint) : ''].join('\n'));
  if (!wait) return exitCodes.ok;
  return allInSync(operation) ? exitCodes.ok : exitCodes.failed;
}

/** The cluster as a workflow input carries it (libs/contract ClusterSnapshot), from the API's view. */
export function snapshotOf(cluster: ClusterView): ClusterSnapshot {
  const overrides = cluster.policy.memberOverrides ?? [];
  return {
    id: cluster.id,
    members: cluster.members.map((member) => member.id),
    approvers: cluster.approvers.map(({ id, publicKey }) => ({ id, publicKey })),
    policy: {
      sync: cluster.policy.sync,
      join: cluster.policy.join,
      ...(overrides.length > 0
        ? { members: Object.fromEntries(overrides.map(({ member, approvals, timeoutSeconds }) => [member, { approvals, timeoutSeconds }])) }
        : {}),
      parallelism: cluster.policy.parallelism,
      packageTtlSeconds: cluster.policy.packageTtlSeconds,
    },
  };
}

interface SyncOptions {
  cluster?: string;
  from: string;
  to?: string;
  keys?: string;
  reason?: string;
  idempotencyKey?: string;
  wait?: boolean;
  printInput?: boolean;
  requestedBy: string;
}

async function sync(cli: Cli, options: SyncOptions): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  const targets = list(options.to);
  const keyIds = list(options.keys)?.map((id) => id.toLowerCase());
  const reason = options.reason ?? `key sync from ${options.from} (keysync CLI)`;
  if (options.printInput) return printTemporalUiInput(cli, cluster, { source: options.from, targets, keyIds, reason, requestedBy: options.requestedBy });

  const started = await cli.api('operator').startSync(cluster, { source: options.from, ...(targets ? { targets } : {}), ...(keyIds ? { keyIds } : {}), reason }, options.idempotencyKey);
  cli.out.info(`started ${started.operationId}`);
  return reportOperation(cli, started.operationId, options.wait === true, 'operator');
}

/**
 * The Temporal UI path: what to type in its start-workflow form for the same sync. The input is
 * the keySync's own (the cluster snapshot the API would pass), so the workflow checks approvals
 * against the same registered keys whichever way it was started.
 */
async function printTemporalUiInput(
  cli: Cli,
  clusterId: string,
  request: { source: string; targets?: string[]; keyIds?: string[]; reason: string; requestedBy: string },
): Promise<number> {
  const cluster = await cli.api('operator').cluster(clusterId);
  const input: KeySyncInput = {
    cluster: snapshotOf(cluster),
    source: request.source,
    ...(request.targets ? { targets: request.targets } : {}),
    ...(request.keyIds ? { keyIds: request.keyIds } : {}),
    requestedBy: request.requestedBy,
    reason: request.reason,
  };
  const workflowId = keySyncWorkflowId(cluster.id, `ui-${randomUUID().slice(0, 8)}`);
  if (cli.out.json) {
    cli.out.result({ workflowType: workflowTypes.keySync, taskQueue: orchestratorTaskQueue, workflowId, input }, () => '');
    return exitCodes.ok;
  }
  cli.out.note(
    [
      'In the Temporal UI: Start Workflow, then',
      `  Workflow ID    ${workflowId}   (any sync:${cluster.id}:<id>)`,
      `  Task Queue     ${orchestratorTaskQueue}`,
      `  Workflow Type  ${workflowTypes.keySync}`,
      '  Input          the JSON below (encoding json/plain)',
    ].join('\n'),
  );
  cli.out.result(input, () => JSON.stringify(input));
  return exitCodes.ok;
}

interface JoinOptions {
  cluster?: string;
  member: string;
  sponsor: string;
  reason?: string;
  wait?: boolean;
}

async function join(cli: Cli, options: JoinOptions): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  const started = await cli.api('admin').startJoin(cluster, { member: options.member, sponsor: options.sponsor, ...(options.reason ? { reason: options.reason } : {}) });
  cli.out.info(`started ${started.operationId}`);
  return reportOperation(cli, started.operationId, options.wait === true, 'admin');
}

export function registerOperationCommands(program: Command): void {
  program
    .command('sync')
    .description('Start a key sync from one member to the others: the keys they lack, and the label and certificate of keys they hold otherwise (differs)')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .requiredOption('--from <member>', 'the source member, which holds the keys')
    .option('--to <members>', 'target members, comma-separated (default: every other member)')
    .option('--keys <ids>', 'CKA_IDs (hex) to sync, comma-separated (default: every key on the source)')
    .option('--reason <text>', 'why, for the audit trail')
    .option('--idempotency-key <key>', 'a retried command with the same key starts nothing new')
    .option('--wait', 'follow it until every member is final; exit 0 only when all are in-sync')
    .option('--print-input', 'start nothing: print the input to paste in the Temporal UI start-workflow form')
    .option('--requested-by <name>', 'with --print-input: who requests it (may not approve it)', 'operator')
    .action(run(sync));

  program
    .command('join')
    .description('Join a member to the cluster (Synchronize HSM), then sync every key to it')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .requiredOption('--member <member>', 'the member that joins')
    .requiredOption('--sponsor <member>', 'a member that holds the cluster secrets')
    .option('--reason <text>', 'why, for the audit trail')
    .option('--wait', 'follow it until it is final; exit 0 only when the member is in-sync')
    .action(run(join));

  program
    .command('status')
    .description('Show an operation and each member’s state')
    .argument('<operation>', 'the operation id that sync or join printed')
    .option('--wait', 'follow it until every member is final; exit 0 only when all are in-sync')
    .action(run((cli, operationId: string, options: { wait?: boolean }) => reportOperation(cli, operationId, options.wait === true, 'operator')));

  program
    .command('cancel')
    .description('Cancel what has not finished in an operation')
    .argument('<operation>', 'the operation id')
    .action(
      run(async (cli, operationId: string) => {
        const answer = await cli.api('operator').cancel(operationId);
        cli.out.result(answer, () => `cancel requested for ${operationId}`);
        return exitCodes.ok;
      }),
    );
}
