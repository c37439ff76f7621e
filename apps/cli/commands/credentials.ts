// `keysync credentials`: approvers' FIDO2 security keys (DESIGN 14). Approvers register theirs in
// the console (a browser talks to the key); here anyone lists them and an admin confirms one, from
// which moment it approves, or revokes one. Each change is recorded, with who and when, in the
// cluster's credential store history (exported by `keysync audit export`).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Credential } from '../api-client';
import { run } from '../cli-context';
import type { Cli } from '../cli-context';
import { exitCodes } from '../cli-error';
import { table } from '../output';
import { clusterOrDemo } from './operations';

async function list(cli: Cli, options: { cluster?: string }): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  const answer = await cli.api('auditor').credentials(cluster);
  cli.out.result(answer, () => {
    if (answer.credentials.length === 0) return `No security key is registered in ${cluster}. Approvers register theirs in the console.`;
    const rows = answer.credentials.map((credential) => [
      credential.approverId,
      credential.credentialId,
      credential.name ?? '',
      credential.state,
      credential.registeredAt,
      credential.state === 'confirmed' ? `${credential.confirmedBy ?? '?'} ${credential.confirmedAt ?? ''}` : credential.state === 'revoked' ? `revoked by ${credential.revokedBy ?? '?'}` : '-',
    ]);
    const pending = answer.credentials.filter((credential) => credential.state === 'pending');
    return [
      `Security keys of ${cluster}:`,
      table(['APPROVER', 'CREDENTIAL', 'NAME', 'STATE', 'REGISTERED', 'CONFIRMED'], rows),
      ...(pending.length > 0 ? [`An admin confirms a pending key with: keysync credentials confirm <approverId> <credentialId>${options.cluster ? ` --cluster ${cluster}` : ''}`] : []),
    ].join('\n');
  });
  return exitCodes.ok;
}

function decide(verb: 'confirm' | 'revoke') {
  return async (cli: Cli, approverId: string, credentialId: string, options: { cluster?: string }): Promise<number> => {
    const cluster = clusterOrDemo(options.cluster);
    const credential: Credential = await cli.api('admin').decideCredential(verb, cluster, approverId, credentialId);
    cli.out.result(credential, () =>
      verb === 'confirm'
        ? `Confirmed ${approverId}'s security key ${credentialId}${credential.name ? ` (${credential.name})` : ''} by ${credential.confirmedBy ?? '?'} at ${credential.confirmedAt ?? '?'}: it approves from now on.`
        : `Revoked ${approverId}'s security key ${credentialId} by ${credential.revokedBy ?? '?'} at ${credential.revokedAt ?? '?'}: it approves nothing from now on.`,
    );
    return exitCodes.ok;
  };
}

/** The store's history as one file, for `keysync audit verify <archive> --credentials <file>`. */
async function exportHistory(cli: Cli, options: { cluster?: string; out: string }): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  const answer = await cli.api('auditor').credentialHistory(cluster);
  const file = resolve(options.out);
  writeFileSync(file, JSON.stringify(answer.history));
  cli.out.result({ file, workflowId: answer.workflowId, runId: answer.runId }, () =>
    [`Wrote the history of ${answer.workflowId} to ${file}.`, `Verify an archive's security key approvals with: keysync audit verify <archive> --credentials ${file}`].join('\n'),
  );
  return exitCodes.ok;
}

export function registerCredentialCommands(program: Command): void {
  const credentials = program.command('credentials').description('Approvers’ FIDO2 security keys: list them; an admin confirms or revokes one');
  credentials
    .command('list')
    .description('Every approver’s security keys and their state (pending, confirmed, revoked)')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .action(run(list));
  credentials
    .command('confirm')
    .description('Confirm a pending security key (admin): from now on it approves; recorded with who and when')
    .argument('<approverId>', 'the approver who registered it')
    .argument('<credentialId>', 'its credential id, as keysync credentials list shows it')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .action(run(decide('confirm')));
  credentials
    .command('revoke')
    .description('Revoke a security key (admin): it approves nothing from now on; recorded with who and when')
    .argument('<approverId>', 'the approver who registered it')
    .argument('<credentialId>', 'its credential id')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .action(run(decide('revoke')));
  credentials
    .command('export')
    .description('Write the credential store’s history (who registered, confirmed, revoked each key) to a file, for keysync audit verify --credentials')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .requiredOption('--out <file>', 'the file to write')
    .action(run(exportHistory));
}
