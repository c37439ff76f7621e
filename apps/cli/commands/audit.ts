// The auditor's commands: a member's trail across operations, the export of an operation's
// histories (with the registered approver keys beside them), and their offline verification.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { isAuditArchive, loadArchive, loadHistories, readHistoryAnswer, readTrustedApprovers, writeExport } from '../audit-bundle';
import type { LoadedBundle } from '../audit-bundle';
import type { ChainReport } from '../../../libs/audit-archive';
import { verifyHistories } from '../audit-verify';
import type { HistoryReport, TrustedApprovers, VerifyReport } from '../audit-verify';
import { clusterOfOperation, run } from '../cli-context';
import type { Cli } from '../cli-context';
import { CliError, exitCodes } from '../cli-error';
import { table } from '../output';
import type { Palette } from '../output';
import { replayHistories } from '../replay';
import { clusterOrDemo } from './operations';

async function memberTrail(cli: Cli, options: { cluster?: string; member: string }): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  const answer = await cli.api('auditor').memberAudit(cluster, options.member);
  cli.out.result(answer, () => {
    if (answer.entries.length === 0) return `No operation has touched ${options.member} of ${cluster} yet.`;
    const rows = answer.entries.map((entry) => [
      entry.workflowId,
      entry.kind || entry.workflowType,
      entry.state || entry.status || '',
      entry.startTime ?? '',
      entry.closeTime ?? '',
      entry.archived?.digest.slice(0, 12) || '-',
    ]);
    return [`Audit trail of ${options.member} in ${cluster}:`, table(['WORKFLOW', 'KIND', 'STATE', 'STARTED', 'CLOSED', 'ARCHIVED'], rows)].join('\n');
  });
  return exitCodes.ok;
}

async function exportOperation(cli: Cli, operationId: string, options: { out: string }): Promise<number> {
  const api = cli.api('auditor');
  const histories = readHistoryAnswer(await api.history(operationId));
  // Each member's memberSync is its audit record: make sure the export holds every one the
  // operation names, including those of an operation started elsewhere (the Temporal UI).
  const operation = await api.operation(operationId);
  for (const member of operation.members) {
    if (!member.workflowId || histories.some((history) => history.workflowId === member.workflowId)) continue;
    histories.push(...readHistoryAnswer(await api.history(member.workflowId)).filter((history) => !histories.some((known) => known.workflowId === history.workflowId)));
  }
  const clusterId = clusterOfOperation(operationId);
  const cluster = await api.cluster(clusterId);
  // The credential store's history is the record of which security keys an admin confirmed: the
  // offline verify trusts a security key approval only with it (none in a cluster without any).
  const store = await api.credentialHistory(clusterId).catch((error: unknown) => {
    if (error instanceof CliError && error.code === 'credentials-not-found') return null;
    throw error;
  });
  if (store !== null) histories.push({ workflowId: store.workflowId, runId: store.runId, json: JSON.stringify(store.history) });
  const dir = resolve(options.out);
  const manifest = writeExport(dir, operationId, `GET /v1/operations/${operationId}/history`, histories, {
    cluster: clusterId,
    approvers: cluster.approvers.map(({ id, publicKey }) => ({ id, publicKey })),
  });
  cli.out.result({ dir, ...manifest }, () =>
    [
      `Exported ${manifest.histories.length} histor${manifest.histories.length === 1 ? 'y' : 'ies'} of ${operationId} to ${dir}:`,
      ...manifest.histories.map((entry) => `  ${entry.file}  ${entry.workflowId}`),
      `  approvers.json  the ${cluster.approvers.length} registered approver key(s) of ${clusterId}`,
      ...(store !== null ? [`  (${store.workflowId}: the security keys an admin confirmed, and when)`] : []),
      `Verify offline with: keysync audit verify ${dir}`,
    ].join('\n'),
  );
  return exitCodes.ok;
}

interface VerifyOptions {
  approvers?: string;
  config?: string;
  cluster?: string;
  credentials?: string[];
}

async function verify(cli: Cli, path: string, options: VerifyOptions): Promise<number> {
  let chain: ChainReport | undefined;
  let bundle: LoadedBundle;
  if (isAuditArchive(path)) {
    ({ chain, ...bundle } = await loadArchive(path));
  } else {
    bundle = loadHistories(path);
  }
  // The credential store runs as long as its cluster, so the stack's archive (closed histories
  // only) never holds it: an auditor brings it (keysync credentials export) to check security key
  // approvals there. It is replayed and judged like every other history.
  for (const file of options.credentials ?? []) bundle.histories.push(...loadHistories(file).histories);
  let trusted: TrustedApprovers;
  if (options.approvers) trusted = readTrustedApprovers(options.approvers, options.cluster);
  else if (options.config) trusted = readTrustedApprovers(options.config, options.cluster);
  else if (bundle.approversPath) trusted = readTrustedApprovers(bundle.approversPath);
  else {
    throw new CliError(
      'no-approver-keys',
      `No registered approver keys to check signatures against: ${path} has no approvers.json beside it. Pass --approvers <file> or --config <keysync config>${chain ? ' (for the stack’s archive: --config .keysync/config.json)' : ''}.`,
      exitCodes.usage,
    );
  }
  const report: VerifyReport & { archiveChain?: ChainReport } = await verifyHistories(bundle.histories, trusted, replayHistories);
  if (chain) {
    report.archiveChain = chain;
    if (!chain.ok) report.ok = false;
  }
  for (const file of bundle.digestMismatches) {
    const history = report.histories.find((candidate) => candidate.file === file);
    history?.problems.unshift('the file no longer matches the digest the export recorded in manifest.json: it was changed after export');
    if (history) history.ok = false;
    report.ok = false;
  }
  cli.out.result(report, () => reportText(report, cli.out.paint));
  return report.ok ? exitCodes.ok : exitCodes.failed;
}

function historyText(history: HistoryReport, paint: Palette): string[] {
  const lines = [`${history.ok ? paint.ok('OK  ') : paint.bad('FAIL')} ${history.workflowId} (${history.workflowType})${history.file ? paint.dim(`  ${history.file}`) : ''}`];
  lines.push(`     replay: ${history.replay.ok ? 'matches the workflow code' : paint.bad(history.replay.error ?? 'failed')}`);
  if (history.subject) lines.push(`     approvals sign: ${history.subject}`);
  for (const approval of history.approvals) {
    const verdict =
      approval.verdict === 'valid' ? paint.ok('valid signature') : approval.verdict === 'refused-by-workflow' ? paint.warn(`refused by the workflow: ${approval.reason ?? ''}`) : paint.bad('INVALID (see the problem below)');
    lines.push(`     ${approval.decision} of ${approval.member} by ${approval.approverId} (${approval.via}, event ${approval.eventId}): ${verdict}`);
  }
  for (const problem of history.problems) lines.push(`     ${paint.bad('problem:')} ${problem}`);
  return lines;
}

function chainText(chain: ChainReport | undefined, paint: Palette): string[] {
  if (!chain) return [];
  if (chain.ok) return [`Archive index: ${chain.entries} entries, hash chain intact.`];
  return [paint.bad(`Archive index: hash chain broken:`), ...chain.problems.map((problem) => `     ${paint.bad('problem:')} index line ${problem.line}: ${problem.problem}`)];
}

function reportText(report: VerifyReport & { archiveChain?: ChainReport }, paint: Palette): string {
  const failed = report.histories.filter((history) => !history.ok).length;
  const approvals = report.histories.reduce((sum, history) => sum + history.approvals.filter((approval) => approval.verdict === 'valid').length, 0);
  return [
    `Registered approver keys: ${report.approversSource}`,
    ...chainText(report.archiveChain, paint),
    ...report.histories.flatMap((history) => historyText(history, paint)),
    report.ok
      ? paint.ok(`Verified ${report.histories.length} histor${report.histories.length === 1 ? 'y' : 'ies'}: all replay, ${approvals} signed approval(s) valid.`)
      : paint.bad(`${failed} of ${report.histories.length} histor${report.histories.length === 1 ? 'y' : 'ies'} failed verification${report.archiveChain?.ok === false ? ', and the archive index is broken' : ''}.`),
  ].join('\n');
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('Audit trails, history export and offline verification');
  audit
    .command('member')
    .description('A member’s audit trail across all operations')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .requiredOption('--member <member>', 'the member')
    .action(run(memberTrail));
  audit
    .command('export')
    .description('Write an operation’s workflow histories and the registered approver keys to a folder')
    .argument('<operation>', 'the operation id')
    .requiredOption('--out <dir>', 'the folder to write')
    .action(run(exportOperation));
  audit
    .command('verify')
    .description('Offline: replay exported histories against the workflow code and check every approval signature')
    .argument('<path>', 'an export folder, the stack’s audit archive folder, a folder of history JSON files, or one history file')
    .option('--approvers <file>', 'registered approver keys (approvers.json, or a list of {id, publicKey})')
    .option('--config <file>', 'take the registered approver keys from a KeySync configuration file')
    .option('--cluster <id>', 'with --config: only this cluster’s approvers')
    .option('--credentials <file...>', 'a credential store history (keysync credentials export), for security key approvals in an archive')
    .action(run(verify));
}
