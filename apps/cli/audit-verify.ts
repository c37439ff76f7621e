// Offline verification of exported histories (`keysync audit verify`), needing neither the API nor
// Temporal: each history must replay against the workflow code, and every approval in it must be
// signed by a registered approver over the exact operation it names (workflow id, member, package
// digest or transport key fingerprint, decision). The registered keys come from outside the
// histories (the export's approvers.json or a configuration file), so a history that brings its
// own approver keys is caught too. Each approval is judged by the same check the workflows run
// (libs/approvals), against the registered keys. The replay itself is passed in, so this logic is
// unit-testable.
//
// A security key approval (DESIGN 14) is trusted only with a credential an admin confirmed before
// it, by the credential store's own history in the same bundle (`keysync audit export` adds it),
// replayed like every other. Validators do not run on replay, so its changes are judged again
// here: a registration of an id already held, or a confirmation of anything but a pending
// credential, or by its own approver, confers nothing. The RP id is the one the credential was
// registered for; the allowed origins are those the approving workflow recorded
// (its approverCredentials activity).
import { checkApproval } from '../../libs/approvals/check-approval';
import type { WebAuthnAssertion } from '../../libs/contract/approvals';
import type { KeyClass } from '../../libs/contract/keys';
import { everyMember, retireSubject } from '../../libs/contract/retire';
import { parseOperationId } from '../../libs/contract/workflow-ids';
import { workflowTypes } from '../../libs/contract/workflow-types';
import { readHistoryFacts } from './history-events';
import type { DeliveredApproval, HistoryFacts } from './history-events';

export interface TrustedApprovers {
  /** Where the keys came from, for the report. */
  source: string;
  /** Approver id -> Ed25519 public key (32 raw bytes, base64). */
  keys: Map<string, string>;
}

/** A security key credential as a credential store history shows it, with its confirmation record. */
export interface TrustedCredential {
  cluster: string;
  approverId: string;
  credentialId: string;
  publicKey: string;
  rpId: string;
  /** The confirm-credential update's event time and admin; absent: never confirmed. */
  confirmedAt?: string;
  confirmedBy?: string;
  revokedAt?: string;
}

export interface HistoryToVerify {
  /** The workflow id the export recorded for this history (null: take the history's own). */
  workflowId: string | null;
  runId?: string;
  file?: string;
  history: unknown;
}

/** Replays the histories against the workflow code: a message per history that fails, null when it replays. */
export type Replayer = (histories: Array<{ workflowId: string; history: unknown }>) => Promise<Array<string | null>>;

export type ApprovalVerdict = 'valid' | 'refused-by-workflow' | 'invalid';

export interface ApprovalFinding {
  eventId: string;
  via: DeliveredApproval['via'];
  approverId: string;
  member: string;
  decision: string;
  verdict: ApprovalVerdict;
  /** Why it is not valid. */
  reason?: string;
}

export interface HistoryReport {
  workflowId: string;
  runId?: string;
  file?: string;
  workflowType: string;
  replay: { ok: boolean; error?: string };
  /** What approvals sign for this workflow: the package digest or the transport key fingerprint. */
  subject?: string;
  approvals: ApprovalFinding[];
  problems: string[];
  ok: boolean;
}

export interface VerifyReport {
  ok: boolean;
  approversSource: string;
  histories: HistoryReport[];
}

interface ApprovalContext {
  member: string;
  requestedBy: string;
  subject: string | null;
  /** The approver keys the workflow itself checked against (from its input). */
  inputApprovers: Array<{ id: string; publicKey: string }>;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** A string field as text; anything else (absent, an object) as the fallback. */
function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

function approversIn(value: unknown): Array<{ id: string; publicKey: string }> {
  if (!Array.isArray(value)) return [];
  return value.map(record).filter((a): a is { id: string; publicKey: string } => typeof a.id === 'string' && typeof a.publicKey === 'string');
}

/**
 * The approver keys a keySync or join applied: from the snapshot in its input, or, for one started
 * with a cluster id (the Temporal UI's small input), from its resolveCluster activity's result.
 */
function clusterApprovers(facts: HistoryFacts): Array<{ id: string; publicKey: string }> {
  const cluster = record(facts.input).cluster;
  if (typeof cluster !== 'string') return approversIn(record(cluster).approvers);
  const resolved = facts.activityResults.find((activity) => activity.activityType === 'resolveCluster');
  return approversIn(record(resolved?.result).approvers);
}

/** Who approves what in this workflow type; null for workflows that take no approvals (keySync, memberRetire, archiveHistory). */
function approvalContext(facts: HistoryFacts): ApprovalContext | null {
  const input = record(facts.input);
  if (facts.workflowType === workflowTypes.memberSync) {
    const digest = record(input.package).digest;
    return {
      member: text(input.member),
      requestedBy: text(input.requestedBy),
      subject: typeof digest === 'string' ? digest : null,
      inputApprovers: approversIn(input.approvers),
    };
  }
  if (facts.workflowType === workflowTypes.join) {
    const transport = facts.activityResults.find((activity) => activity.activityType === 'createTransportKey');
    const fingerprint = record(transport?.result).fingerprint;
    return {
      member: text(input.member),
      requestedBy: text(input.requestedBy),
      subject: typeof fingerprint === 'string' ? fingerprint : null,
      inputApprovers: clusterApprovers(facts),
    };
  }
  if (facts.workflowType === workflowTypes.retire) {
    // Approved once for every member (member *), over the key the input names (DESIGN 13).
    const key = record(input.key);
    const named = typeof key.class === 'string' && typeof key.id === 'string' && typeof key.fingerprint === 'string';
    return {
      member: everyMember,
      requestedBy: text(input.requestedBy),
      subject: named ? retireSubject({ class: key.class as KeyClass, id: key.id as string, fingerprint: key.fingerprint as string }) : null,
      inputApprovers: clusterApprovers(facts),
    };
  }
  return null;
}

/** The credentials the credential store histories record, each change judged by the store's own rules again. */
export function credentialsOf(histories: readonly HistoryFacts[]): TrustedCredential[] {
  const credentials: TrustedCredential[] = [];
  for (const facts of histories) {
    if (facts.workflowType !== workflowTypes.approverCredentials) continue;
    const cluster = text(record(facts.input).cluster);
    for (const change of facts.credentialChanges) {
      if (change.failed) continue;
      const payload = record(change.payload);
      const [approverId, credentialId] = [text(payload.approverId), text(payload.credentialId)];
      const held = credentials.find((credential) => credential.cluster === cluster && credential.credentialId === credentialId);
      if (change.update === 'register-credential') {
        if (held === undefined && approverId && credentialId) {
          credentials.push({ cluster, approverId, credentialId, publicKey: text(payload.publicKey), rpId: text(payload.rpId) });
        }
      } else if (held !== undefined && held.approverId === approverId && held.revokedAt === undefined) {
        const by = text(payload.by);
        if (change.update === 'confirm-credential' && held.confirmedAt === undefined && by && by !== approverId) Object.assign(held, { confirmedAt: change.eventTime, confirmedBy: by });
        if (change.update === 'revoke-credential') held.revokedAt = change.eventTime;
      }
    }
  }
  return credentials;
}

/** Nanosecond event times compare as text once cut to milliseconds; Date.parse reads both shapes. */
const timeOf = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/** The credential confirmed for this approver in this cluster when the approval arrived, and not yet revoked. */
function credentialAt(credentials: readonly TrustedCredential[], cluster: string, approverId: string, credentialId: string, at: string): TrustedCredential | undefined {
  return credentials.find(
    (credential) =>
      credential.cluster === cluster &&
      credential.approverId === approverId &&
      credential.credentialId === credentialId &&
      timeOf(credential.confirmedAt) <= timeOf(at) &&
      !(timeOf(credential.revokedAt) <= timeOf(at)),
  );
}

/** The origins the approving workflow allowed (its approverCredentials activity results). */
function recordedOrigins(facts: HistoryFacts): string[] {
  const origins = facts.activityResults
    .filter((activity) => activity.activityType === 'approverCredentials')
    .flatMap((activity) => {
      const listed = record(record(activity.result).relyingParty).origins;
      return Array.isArray(listed) ? listed.filter((origin): origin is string => typeof origin === 'string') : [];
    });
  return [...new Set(origins)];
}

/** Why this approval is not a valid one for this operation, or null when it is. */
function approvalProblem(workflowId: string, context: ApprovalContext, delivered: DeliveredApproval, trusted: TrustedApprovers, securityKeys: SecurityKeyEvidence): string | null {
  if (context.subject === null) return 'nothing was awaiting approval (no package digest, transport key or retired key in this history)';
  const approvers = [...trusted.keys].map(([id, publicKey]) => ({ id, publicKey }));
  const approval = record(delivered.payload);
  let webauthn: Parameters<typeof checkApproval>[0]['webauthn'];
  const assertion = record(approval.webauthn) as Partial<WebAuthnAssertion>;
  if (approval.webauthn !== undefined && typeof assertion.credentialId === 'string') {
    const cluster = parseOperationId(workflowId)?.cluster ?? '';
    const credential = credentialAt(securityKeys.credentials, cluster, text(approval.approverId), assertion.credentialId, delivered.eventTime);
    if (credential === undefined) {
      return `security key credential ${assertion.credentialId} was not confirmed for ${text(approval.approverId, '?')} by an admin before ${delivered.eventTime} in any credential store history here (keysync audit export adds it; for an archive, pass keysync credentials export's file with --credentials)`;
    }
    if (securityKeys.origins.length === 0) return 'the workflow recorded no allowed origins (no approverCredentials activity result) to check the security key approval against';
    webauthn = { relyingParty: { rpId: credential.rpId, origins: securityKeys.origins }, credentials: [credential] };
  }
  // Each delivered approval is judged alone (nothing granted before it): a second decision by one
  // approver is the workflow's to refuse, and its result shows whether it did.
  const check = checkApproval({ workflowId, member: context.member, subject: context.subject, requestedBy: context.requestedBy, approvers, ...(webauthn ? { webauthn } : {}) }, delivered.payload, []);
  return check.ok ? null : check.message;
}

interface SecurityKeyEvidence {
  credentials: readonly TrustedCredential[];
  origins: string[];
}

/** The approvals the workflow's own result says it granted (by signal or update) and refused. */
function decidedByWorkflow(facts: HistoryFacts): { granted: Array<Record<string, unknown>>; refused: Array<Record<string, unknown>> } | null {
  if (facts.closed !== 'completed') return null;
  const approvals = record(record(facts.result).approvals);
  const list = (value: unknown) => (Array.isArray(value) ? value.map(record) : []);
  return { granted: list(approvals.granted).filter((grant) => grant.via === 'signal' || grant.via === 'update'), refused: list(approvals.refused) };
}

export function checkApprovals(
  workflowId: string,
  facts: HistoryFacts,
  trusted: TrustedApprovers,
  credentials: readonly TrustedCredential[] = [],
): Pick<HistoryReport, 'subject' | 'approvals' | 'problems'> {
  const problems: string[] = [];
  const context = approvalContext(facts);
  const inputApprovers = context?.inputApprovers ?? clusterApprovers(facts);
  for (const approver of inputApprovers) {
    const registered = trusted.keys.get(approver.id);
    if (registered === undefined) problems.push(`the workflow input lists approver ${approver.id}, who is not registered (${trusted.source})`);
    else if (registered !== approver.publicKey) problems.push(`the workflow input carries a key for ${approver.id} other than the registered one (${trusted.source})`);
  }
  if (context === null) {
    if (facts.approvals.length > 0) problems.push(`${facts.approvals.length} approval(s) were delivered to a ${facts.workflowType ?? 'unknown'} workflow, which takes none`);
    return { approvals: [], problems };
  }

  const decided = decidedByWorkflow(facts);
  const approvals: ApprovalFinding[] = facts.approvals.map((delivered) => {
    const payload = record(delivered.payload);
    const finding = {
      eventId: delivered.eventId,
      via: delivered.via,
      approverId: text(payload.approverId, '?'),
      member: text(payload.member, '?'),
      decision: text(payload.decision, '?'),
    };
    const problem = approvalProblem(workflowId, context, delivered, trusted, { credentials, origins: recordedOrigins(facts) });
    if (problem === null && delivered.failed !== true) return { ...finding, verdict: 'valid' as const };
    // A bad signal is recorded and ignored by the workflow: fine if its own result shows it refused.
    // An update the handler refused (a security key it could not confirm) failed: it counted for nothing.
    const refused =
      delivered.failed === true ||
      (delivered.via === 'signal' && decided?.refused.some((entry) => entry.approverId === finding.approverId && entry.decision === finding.decision));
    if (refused) return { ...finding, verdict: 'refused-by-workflow' as const, reason: problem ?? 'the workflow refused it' };
    const reason = problem ?? 'the workflow refused it';
    problems.push(`event ${delivered.eventId} (${delivered.via}) by ${finding.approverId}: ${reason}`);
    return { ...finding, verdict: 'invalid' as const, reason };
  });
  for (const grant of decided?.granted ?? []) {
    const backed = approvals.some(
      (finding) => finding.verdict === 'valid' && finding.approverId === grant.approverId && finding.decision === grant.decision && finding.via === grant.via,
    );
    if (!backed) {
      problems.push(`the workflow's result counts ${text(grant.approverId, '?')}'s ${text(grant.decision, '?')} (by ${text(grant.via, '?')}), but no valid signed approval in the history backs it`);
    }
  }
  return { subject: context.subject ?? undefined, approvals, problems };
}

export async function verifyHistories(histories: HistoryToVerify[], trusted: TrustedApprovers, replay: Replayer): Promise<VerifyReport> {
  const prepared = histories.map((item) => {
    const problems: string[] = [];
    let facts: HistoryFacts | null = null;
    try {
      facts = readHistoryFacts(item.history);
    } catch (error) {
      problems.push(`unreadable history: ${(error as Error).message}`);
    }
    const workflowId = item.workflowId ?? facts?.workflowId ?? '';
    if (facts?.workflowId && item.workflowId && facts.workflowId !== item.workflowId) {
      problems.push(`the export names it ${item.workflowId}, but the history started ${facts.workflowId}`);
    }
    if (!workflowId) problems.push('no workflow id: neither the export nor the history names it');
    return { item, facts, workflowId, problems };
  });
  const credentials = credentialsOf(prepared.flatMap((entry) => (entry.facts ? [entry.facts] : [])));
  const replayable = prepared.filter((entry) => entry.facts !== null && entry.workflowId);
  const replayErrors = replayable.length > 0 ? await replay(replayable.map((entry) => ({ workflowId: entry.workflowId, history: entry.item.history }))) : [];
  const errorOf = new Map(replayable.map((entry, index) => [entry, replayErrors[index] ?? null]));

  const reports: HistoryReport[] = prepared.map((entry) => {
    const problems = [...entry.problems];
    const replayError = entry.facts === null ? 'not replayed: unreadable' : (errorOf.get(entry) ?? null);
    if (replayError !== null) problems.push(`replay failed: ${replayError}`);
    const checked = entry.facts ? checkApprovals(entry.workflowId, entry.facts, trusted, credentials) : { approvals: [], problems: [] };
    problems.push(...checked.problems);
    return {
      workflowId: entry.workflowId,
      ...(entry.item.runId ? { runId: entry.item.runId } : {}),
      ...(entry.item.file ? { file: entry.item.file } : {}),
      workflowType: entry.facts?.workflowType ?? 'unknown',
      replay: replayError === null ? { ok: true } : { ok: false, error: replayError },
      ...(checked.subject ? { subject: checked.subject } : {}),
      approvals: checked.approvals,
      problems,
      ok: problems.length === 0,
    };
  });
  return { ok: reports.length > 0 && reports.every((report) => report.ok), approversSource: trusted.source, histories: reports };
}
