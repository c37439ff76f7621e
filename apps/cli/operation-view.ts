// How an operation reads for people: one line per member (state, keys imported of total,
// surplus copies removed, or for a retire the objects destroyed, attempts, what it waits for)
// and a verdict. Shared by sync, join, repair, retire, status and package upload.
import type { Operation, OperationMember } from './api-client';
import type { Palette } from './output';

const finalStates = new Set(['in-sync', 'failed', 'retired']);

export function isFinished(operation: Operation): boolean {
  return operation.state !== 'running' && operation.members.every((member) => finalStates.has(member.state));
}

/** The state a member ends in when all went well: retired for a retire, in-sync for the rest. */
function goodEnd(operation: Operation): string {
  return operation.kind === 'retire' ? 'retired' : 'in-sync';
}

/** True only when every member ended well (in-sync; retired for a retire): the exit code 0 of `--wait`. */
export function allInSync(operation: Operation): boolean {
  return operation.members.length > 0 && operation.members.every((member) => member.state === goodEnd(operation));
}

function waitingFor(member: OperationMember, operation: Operation): string {
  if (member.state === 'awaiting-approval') {
    const approvals = member.approvals ?? (operation.join?.member === member.member ? operation.join.approvals : operation.retire?.approvals);
    if (!approvals) return 'awaiting approval';
    const granted = approvals.granted.filter((record) => record.decision === 'approve').length;
    const until = approvals.deadline ? ` until ${approvals.deadline}` : '';
    // A retire is approved once for every member: member *.
    const approveAs = operation.kind === 'retire' ? "'*'" : member.member;
    return `awaiting approval: ${granted} of ${approvals.required}${until} (keysync approve ${operation.operationId} --member ${approveAs} --key <approver.pem>)`;
  }
  if (member.state === 'waiting-for-node') return `waiting for the node: its agent is not polling keysync.${operation.cluster}.${member.member}`;
  return '';
}

export function memberLine(member: OperationMember, operation: Operation, paint: Palette): string {
  const total = operation.package?.keyCount;
  const keys =
    operation.kind === 'retire'
      ? `objects ${member.objectsDestroyed ?? 0} destroyed`
      : `keys ${member.keysImported}${total === undefined ? '' : ` of ${total}`} imported${member.keysSkipped > 0 ? `, ${member.keysSkipped} already there` : ''}`;
  const state =
    member.state === 'in-sync' || member.state === 'retired' ? paint.ok(member.state) : member.state === 'failed' ? paint.bad(`failed (${member.reason ?? 'unknown'})`) : paint.warn(member.state);
  const parts = [`${member.member}`, state, keys];
  if (member.keysUpdated) parts.push(`${member.keysUpdated} updated (label or certificate)`);
  if (member.copiesRemoved) parts.push(copiesText(member.copiesRemoved));
  parts.push(`attempts ${member.attempts}`);
  const waiting = waitingFor(member, operation);
  if (waiting) parts.push(waiting);
  if (member.state === 'failed' && member.detail) parts.push(member.detail);
  else if (member.notUpdated?.length) parts.push(`left differing ${member.notUpdated.map((key) => `${key.label} (${key.reason})`).join(', ')}`);
  else if (member.unsupportedKeys?.length) parts.push(`cannot hold ${member.unsupportedKeys.map((key) => `${key.label} (${key.detail})`).join(', ')}`);
  return parts.join('  ');
}

export function memberLines(operation: Operation, paint: Palette): Array<{ key: string; text: string }> {
  return operation.members.map((member) => ({ key: member.member, text: `  ${memberLine(member, operation, paint)}` }));
}

export function operationHeader(operation: Operation, paint: Palette): string {
  const state =
    operation.state === 'completed' ? paint.ok(operation.state) : operation.state === 'running' ? paint.warn(operation.state) : paint.bad(operation.state);
  const lines = [`${paint.bold(operation.operationId)}  ${operation.kind}  ${state}  requested by ${operation.requestedBy || '?'}`];
  if (operation.retire) {
    const { key, phase } = operation.retire;
    lines.push(`  retire of ${key.label} (${key.class} ${key.id}, fingerprint ${key.fingerprint}), phase ${phase}`);
    if (operation.recoveryPackage) lines.push(`  recovery package ${operation.recoveryPackage.digest}, importable until ${operation.recoveryPackage.expiresAt}`);
  } else if (operation.package) lines.push(`  package ${operation.package.digest} (${operation.package.keyCount} keys)`);
  if (operation.join) {
    const join = operation.join;
    lines.push(`  join of ${join.member} sponsored by ${join.sponsor}, phase ${join.phase}`);
    if (join.transportFingerprint) lines.push(`  transport key fingerprint ${join.transportFingerprint} (what approvers confirm)`);
    if (join.oaepHash) lines.push(`  cluster secrets wrapped with RSA-OAEP ${join.oaepHash}`);
  }
  if (operation.wrapFormat) lines.push(`  wrap format ${operation.wrapFormat}`);
  for (const token of operation.tokens ?? []) lines.push(`  ${tokenLine(token)}`);
  return lines.join('\n');
}

/** The operation as text; `withMembers` false when a terminal's live block already shows each member's final line. */
export function operationText(operation: Operation, paint: Palette, withMembers = true): string {
  const lines = [operationHeader(operation, paint), ...(withMembers ? memberLines(operation, paint).map((line) => line.text) : [])];
  for (const key of operation.notExportable ?? []) {
    lines.push(paint.warn(`  not exportable (CKA_EXTRACTABLE false), left out: ${key.label} (${key.class} ${key.id})`));
  }
  if (operation.message) lines.push(`  ${operation.message}`);
  return lines.join('\n');
}

/** A token the operation used: who made it, and its mechanism for the wrap format (or its OAEP hashes in a join). */
function tokenLine(token: NonNullable<Operation['tokens']>[number]): string {
  const mechanism = token.wrapMechanism ? `, mechanism ${token.wrapMechanism}` : token.oaepHashes ? `, RSA-OAEP ${token.oaepHashes.join('/') || 'none'}` : `, formats ${token.wrapFormats.join(', ') || 'none'}`;
  return `${token.role} ${token.member}: ${token.manufacturer} ${token.model} (${token.library})${mechanism}`;
}

function copiesText(count: number): string {
  return `${count} surplus ${count === 1 ? 'copy' : 'copies'} removed`;
}

/** What the imports removed, for the verdict: always for a repair (0 says it found nothing), else only when some. */
function removedNote(operation: Operation): string {
  const removed = operation.members.reduce((sum, member) => sum + (member.copiesRemoved ?? 0), 0);
  return operation.kind === 'repair' || removed > 0 ? `; ${copiesText(removed)}` : '';
}

export function verdict(operation: Operation, paint: Palette): string {
  if (allInSync(operation) && operation.kind === 'retire') {
    const recovery = operation.recoveryPackage ? `; recovery package ${operation.recoveryPackage.digest} until ${operation.recoveryPackage.expiresAt}` : '; no recovery package';
    return paint.ok(`${operation.operationId}: retired on every member${recovery}.`);
  }
  if (allInSync(operation)) return paint.ok(`${operation.operationId}: every member is in-sync${removedNote(operation)}.`);
  if (operation.kind === 'retire') {
    const left = operation.members.filter((member) => member.state !== 'retired').map((member) => `${member.member} (${member.reason ?? member.state})`);
    return paint.bad(`${operation.operationId} ended ${operation.state}: not retired on: ${left.join(', ')}.`);
  }
  const failed = operation.members.filter((member) => member.state !== 'in-sync').map((member) => `${member.member} (${member.reason ?? member.state})`);
  return paint.bad(`${operation.operationId} ended ${operation.state}: not in-sync: ${failed.join(', ')}${removedNote(operation)}.`);
}
