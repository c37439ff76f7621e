// The approver's commands: `approve` signs an operation's challenge locally with the approver's
// Ed25519 key (the private key never leaves this machine) and delivers it, or prints it for the
// Temporal UI; `approver-key new` makes a key pair and shows the public key to register.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Approval } from '../../../libs/contract/approvals';
import { approveSignal, approveUpdate } from '../../../libs/contract/messages';
import type { ApprovalAccepted } from '../api-client';
import { clusterOfOperation, run } from '../cli-context';
import type { Cli } from '../cli-context';
import { CliError, exitCodes } from '../cli-error';
import { readDemoFile } from '../connection';
import { challengeParts, createApproverKey, readApproverKey, signApproval } from '../signing';
import type { ApproverKey } from '../signing';

interface ApproveOptions {
  member: string;
  key: string;
  approver?: string;
  reject?: boolean;
  printOnly?: boolean;
  challenge?: string;
}

/** --approver, else the demo approver whose key file this is, else the registered approver with this public key. */
async function approverIdOf(cli: Cli, operationId: string, key: ApproverKey, options: ApproveOptions): Promise<string> {
  if (options.approver) return options.approver;
  const demoKeys = readDemoFile()?.approverKeys ?? {};
  const byPath = Object.entries(demoKeys).find(([, path]) => resolve(path) === resolve(options.key));
  if (byPath) return byPath[0];
  const cluster = await cli.api('approver-1').cluster(clusterOfOperation(operationId));
  const registered = cluster.approvers.find((approver) => approver.publicKey === key.publicKey);
  if (!registered) {
    throw new CliError(
      'unknown-approver',
      `The public key of ${options.key} (${key.publicKey}) is not registered as an approver of cluster ${cluster.id}. Register it in the configuration, or name the approver with --approver.`,
    );
  }
  return registered.id;
}

/** The API counts an approval for the principal whose token sends it: with the demo, the approver's own token. */
function principalFor(approverId: string): string {
  return approverId;
}

async function approve(cli: Cli, operationId: string, options: ApproveOptions): Promise<number> {
  const key = readApproverKey(options.key);
  const approverId = await approverIdOf(cli, operationId, key, options);
  const decision = options.reject ? 'reject' : 'approve';
  const challenge = options.challenge ?? (await cli.api(principalFor(approverId)).challenge(operationId, options.member)).challenge;
  const parts = challengeParts(challenge);
  if (parts.member !== options.member) {
    throw new CliError('wrong-member', `The challenge is for member ${parts.member}, not ${options.member}; nothing was signed.`, exitCodes.usage);
  }
  const approval = signApproval(key, approverId, challenge, decision);

  if (options.printOnly) {
    if (!cli.out.json) {
      cli.out.note(
        [
          `Signed ${decision} of ${options.member} by ${approverId} over: ${challenge.replace(/approve$/, decision)}`,
          `In the Temporal UI, open workflow ${parts.workflowId} and send`,
          `  a Signal named ${approveSignal.name}, or an Update named ${approveUpdate.name},`,
          '  with the JSON below as its input (encoding json/plain).',
        ].join('\n'),
      );
    }
    cli.out.result(approval, () => JSON.stringify(approval));
    return exitCodes.ok;
  }

  const verdict = await cli.api(principalFor(approverId)).approve(operationId, approval);
  cli.out.result(verdict, () => verdictText(operationId, approval, verdict));
  return exitCodes.ok;
}

function verdictText(operationId: string, approval: Approval, { approvals }: ApprovalAccepted): string {
  const done = approval.decision === 'approve' ? 'approved' : 'rejected';
  const granted = approvals.granted.filter((record) => record.decision === 'approve').length;
  return `${approval.approverId} ${done} ${approval.member} in ${operationId}: ${granted} of ${approvals.required} approval(s) granted.`;
}

function newApproverKey(cli: Cli, options: { out: string; id?: string; force?: boolean }): Promise<number> {
  const { publicKey } = createApproverKey(options.out, options.force === true);
  const registration = { id: options.id ?? '<approver id>', publicKey };
  cli.out.result({ privateKeyFile: resolve(options.out), publicKey, approver: registration }, () =>
    [
      `Wrote the private key to ${resolve(options.out)} (readable by you only; it never leaves this machine).`,
      `Public key (Ed25519, base64): ${publicKey}`,
      'Register it in the cluster configuration under "approvers":',
      `  ${JSON.stringify(registration)}`,
    ].join('\n'),
  );
  return Promise.resolve(exitCodes.ok);
}

export function registerApprovalCommands(program: Command): void {
  program
    .command('approve')
    .description('Approve (or reject) a member of an operation, signed with your Ed25519 key')
    .argument('<operation>', 'the operation id')
    .requiredOption('--member <member>', 'the member whose import (or join) you approve')
    .requiredOption('--key <file>', 'your Ed25519 private key (PEM)')
    .option('--approver <id>', 'your approver id (default: found from the key)')
    .option('--reject', 'reject instead of approve')
    .option('--print-only', 'deliver nothing: print the signed approval for the Temporal UI signal or update form')
    .option('--challenge <text>', 'sign this challenge (from the workflow’s "challenge" query) instead of asking the API')
    .action(run(approve));

  const keys = program.command('approver-key').description('Approver key pairs');
  keys
    .command('new')
    .description('Make an Ed25519 key pair: the private key to a file, the public key to register')
    .requiredOption('--out <file>', 'where to write the private key (PEM, mode 0600)')
    .option('--id <approver>', 'the approver id, for the registration snippet')
    .option('--force', 'overwrite an existing file')
    .action(run(newApproverKey));
}
