// Builds an operation's view (DESIGN section 7) from Temporal alone: the state a running keySync or
// memberSync publishes in its memo (one describe, no worker needed), else the workflow's state
// query while it can answer, its result once completed, and the memo the API wrote at start when
// neither is available (no orchestrator polling). Members show their memberSync's live state. A
// read that accepts a view up to maxAgeMs old (Cache-Control: max-age) takes the workflows' followed
// views where the API has them that fresh (temporal/followed-workflows.ts); queries always ask.
import { Injectable } from '@nestjs/common';
import { type WorkflowExecutionDescription, WorkflowNotFoundError } from '@temporalio/client';
import { memberStateQuery, operationStateQuery, packageKeysMemoKey, publishedViewMemoKey } from '../../../libs/contract/messages';
import { finalMemberStates } from '../../../libs/contract/operations';
import type { JoinState, MemberStatus, MemberSummary, OperationPackage, OperationState, TokenInUse } from '../../../libs/contract/operations';
import type { KeyRef } from '../../../libs/contract/keys';
import type { RetireState } from '../../../libs/contract/retire';
import { KeySyncKind } from '../../../libs/contract/search-attributes';
import { workflowTypes } from '../../../libs/contract/workflow-types';
import { ApiError } from '../errors/api-error';
import type { OperationMemo } from '../temporal/operation-starter';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { parseOperationId, type ParsedOperationId } from './operation-id';
import type { OperationDto, OperationMemberDto } from './operation.dto';

/** A query needs a worker to answer; without one, give up quickly and fall back to the memo. */
const queryDeadlineMs = 5_000;

export interface ResolvedOperation {
  parsed: ParsedOperationId;
  description: WorkflowExecutionDescription;
}

@Injectable()
export class OperationReader {
  constructor(private readonly temporal: TemporalGateway) {}

  /** The operation's workflow, or a 404 that says where operation ids come from. */
  async resolve(operationId: string, maxAgeMs = 0): Promise<ResolvedOperation> {
    const parsed = parseOperationId(operationId);
    try {
      return { parsed, description: await this.temporal.describe(operationId, maxAgeMs) };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw ApiError.notFound('operation-not-found', `There is no operation ${operationId}. Use the operationId (or Location) a start request returned.`);
      }
      throw error;
    }
  }

  async read(operationId: string, maxAgeMs = 0): Promise<OperationDto> {
    const resolved = await this.resolve(operationId, maxAgeMs);
    if (resolved.description.type === workflowTypes.memberSync || resolved.description.type === workflowTypes.memberRetire) return this.readMemberSync(resolved, maxAgeMs);
    const state = await this.operationState(resolved, maxAgeMs);
    if (!state) return this.fromMemo(resolved);
    const members = await Promise.all(state.members.map((member) => this.liveMember(member, state.state === 'running', maxAgeMs)));
    const view: OperationDto = {
      operationId,
      kind: state.kind,
      cluster: state.cluster,
      requestedBy: state.requestedBy,
      state: state.state,
      ...(state.message !== undefined ? { message: state.message } : {}),
      package: state.package ? packageView(state.package) : null,
      members,
      notExportable: state.notExportable.map((key) => ({ class: key.class, id: key.id, label: key.label, fingerprint: key.fingerprint })),
      ...(state.wrapFormat ? { wrapFormat: state.wrapFormat } : {}),
      ...(state.tokens ? { tokens: state.tokens.map(tokenView) } : {}),
    };
    if (state.kind === 'retire') {
      const retire = state as RetireState;
      view.retire = {
        key: { class: retire.key.class, id: retire.key.id, label: retire.key.label, fingerprint: retire.key.fingerprint },
        phase: retire.phase,
        approvals: approvalsView(retire.approvals),
        tombstone: retire.tombstone,
      };
      view.recoveryPackage = retire.recoveryPackage ? { digest: retire.recoveryPackage.digest, expiresAt: retire.recoveryPackage.expiresAt } : null;
    }
    if (state.kind === 'join') {
      const join = state as JoinState;
      view.join = {
        member: join.member,
        sponsor: join.sponsor,
        phase: join.phase,
        transportFingerprint: join.transportFingerprint,
        approvals: approvalsView(join.approvals),
        keySyncWorkflowId: join.keySyncWorkflowId,
        ...(join.oaepHash ? { oaepHash: join.oaepHash } : {}),
      };
    }
    return view;
  }

  /** The parent's state: the view it published while running, else its query (live, or replayed by a worker once closed), else its result. */
  private async operationState({ description }: ResolvedOperation, maxAgeMs: number): Promise<OperationState | null> {
    const published = publishedView<OperationState>(description);
    if (published) return withPackageKeys(published, description);
    // No worker has run it yet: it has no state to ask for, and a query would wait its whole deadline.
    if (notRunYet(description)) return null;
    if (description.status.name === 'COMPLETED') {
      try {
        return await this.temporal.result<OperationState>(description.workflowId, description.runId, maxAgeMs);
      } catch {
        // fall through to the query
      }
    }
    return this.query(() => this.temporal.query(description.workflowId, operationStateQuery, [], queryDeadlineMs));
  }

  /** The query's answer, or null when no worker gave one in time. */
  private async query<T>(ask: () => Promise<T>): Promise<T | null> {
    try {
      return await ask();
    } catch {
      return null;
    }
  }

  private async liveMember(summary: MemberSummary, running: boolean, maxAgeMs: number): Promise<OperationMemberDto> {
    const view = memberView(summary);
    if (!summary.workflowId || !running || finalMemberStates.includes(summary.state)) return view;
    const workflowId = summary.workflowId;
    // The memberSync's published view (a describe, no worker needed); its query where it publishes none.
    // No description: the parent has asked for the child in its last workflow task but the server has not
    // started it yet (or cannot be asked): the parent's view is all there is, and a query would only fail, slowly.
    const description = await this.temporal.describe(workflowId, maxAgeMs).catch(() => null);
    if (!description || notRunYet(description)) return view;
    // A memberSync that has just ended while its parent's view still shows it working: its last published view is its final state.
    const live = publishedView<MemberStatus>(description) ?? finalView<MemberStatus>(description) ?? (await this.query(() => this.temporal.query(workflowId, memberStateQuery, [], queryDeadlineMs)));
    return live ? memberView(live) : view;
  }

  private async readMemberSync(resolved: ResolvedOperation, maxAgeMs: number): Promise<OperationDto> {
    const { description } = resolved;
    const memo = memoOf(description);
    if (notRunYet(description)) return this.fromMemo(resolved);
    const live =
      publishedView<MemberStatus>(description) ??
      (description.status.name === 'COMPLETED'
        ? await this.temporal.result<MemberStatus>(description.workflowId, description.runId, maxAgeMs).catch(() => null)
        : await this.query(() => this.temporal.query(description.workflowId, memberStateQuery, [], queryDeadlineMs)));
    if (!live) return this.fromMemo(resolved);
    const state = live.state === 'in-sync' || live.state === 'retired' ? 'completed' : live.state === 'failed' ? (live.reason === 'cancelled' ? 'cancelled' : 'failed') : 'running';
    return {
      operationId: description.workflowId,
      kind: kindOf(resolved.parsed, description),
      cluster: memo.cluster ?? resolved.parsed.cluster,
      requestedBy: memo.requestedBy ?? '',
      state: description.status.name === 'CANCELLED' ? 'cancelled' : state,
      package: memo.package ? packageView(memo.package) : null,
      members: [memberView(live)],
      notExportable: [],
    };
  }

  /** What the API itself recorded at start: all it can say while no worker answers queries. */
  private fromMemo({ parsed, description }: ResolvedOperation): OperationDto {
    const memo = memoOf(description);
    const status = description.status.name;
    const state = status === 'RUNNING' ? 'running' : status === 'COMPLETED' ? 'completed' : status === 'CANCELLED' ? 'cancelled' : 'failed';
    const members = parsed.kind === 'sync' ? (memo.members ?? []).slice(1) : parsed.kind === 'retire' ? (memo.members ?? []) : [parsed.member];
    return {
      operationId: description.workflowId,
      kind: kindOf(parsed, description),
      cluster: memo.cluster ?? parsed.cluster,
      requestedBy: memo.requestedBy ?? '',
      state,
      message:
        state === 'running'
          ? notRunYet(description)
            ? 'No orchestrator worker has picked this operation up yet. If it stays so, check GET /v1/health and start the worker.'
            : 'The live state is unavailable: no orchestrator worker answered. Check GET /v1/health and start the worker.'
          : `The workflow ended ${status.toLowerCase()}; its history has the details (GET .../history).`,
      package: memo.package ? packageView(memo.package) : null,
      members: members.map((member) => ({
        member,
        state: state === 'running' ? 'pending' : state === 'completed' ? (parsed.kind === 'retire' || parsed.kind === 'member-retire' ? 'retired' : 'in-sync') : 'failed',
        ...(state === 'cancelled' ? { reason: 'cancelled' as const } : {}),
        keysImported: 0,
        keysSkipped: 0,
        attempts: 0,
      })),
      notExportable: [],
    };
  }
}

/**
 * A sync id names a sync or a repair alike; the KeySyncKind search attribute the API set at start
 * (and the workflow keeps) tells which.
 */
function kindOf(parsed: ParsedOperationId, description: WorkflowExecutionDescription): OperationDto['kind'] {
  if (parsed.kind === 'join') return 'join';
  if (parsed.kind === 'retire' || parsed.kind === 'member-retire') return 'retire';
  return description.typedSearchAttributes.get(KeySyncKind) === 'repair' ? 'repair' : 'sync';
}

function memoOf(description: WorkflowExecutionDescription): Partial<OperationMemo> {
  return (description.memo ?? {});
}

/**
 * A running workflow none of whose workflow tasks has completed yet: its history holds its start
 * and a task (scheduled, maybe started), or a first task that timed out or failed and is being
 * tried again (three more events, later attempts are not recorded). A busy worker does that to
 * new workflows; a query would wait its whole deadline.
 */
function notRunYet(description: WorkflowExecutionDescription): boolean {
  if (description.status.name !== 'RUNNING') return false;
  if (description.historyLength <= 3) return true;
  return description.historyLength <= 5 && (description.raw.pendingWorkflowTask?.attempt ?? 1) > 1;
}

/**
 * What a running workflow published in its memo (workflows/published-view.ts): the state its query
 * would answer, as of its last workflow task, read without a worker. Null when it published none
 * (older histories, a view too large) or has ended (its result or query tells the final state).
 */
function publishedView<T>(description: WorkflowExecutionDescription): T | null {
  return description.status.name === 'RUNNING' ? memoView<T>(description) : null;
}

/** A keySync's view whose package's keys it published apart, in the memo (workflows/package-keys-memo.ts), with them put back. */
function withPackageKeys(view: OperationState, description: WorkflowExecutionDescription): OperationState {
  const keys = description.memo?.[packageKeysMemoKey];
  if (!view.package || view.package.keys !== undefined || !Array.isArray(keys)) return view;
  return { ...view, package: { ...view.package, keys: keys as KeyRef[] } };
}

/**
 * What a workflow that publishes its view (published-view.ts) showed last, once it ended by its own
 * return, failure or cancellation: it publishes one last time before it returns, so that is its
 * final state (a query would need a worker to replay its whole history). Null for a workflow that
 * is running, was terminated or timed out, or published no view.
 */
function finalView<T>(description: WorkflowExecutionDescription): T | null {
  return selfEnded.has(description.status.name) ? memoView<T>(description) : null;
}

const selfEnded: ReadonlySet<WorkflowExecutionDescription['status']['name']> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

function memoView<T>(description: WorkflowExecutionDescription): T | null {
  const view = description.memo?.[publishedViewMemoKey];
  return view !== undefined && view !== null && typeof view === 'object' ? (view as T) : null;
}

function approvalsView(status: MemberStatus['approvals']): NonNullable<OperationMemberDto['approvals']> {
  return {
    required: status.required,
    granted: status.granted.map((record) => ({ approverId: record.approverId, decision: record.decision, at: record.at, via: record.via })),
    ...(status.deadline ? { deadline: status.deadline } : {}),
    ...(status.coveredBy ? { coveredBy: status.coveredBy } : {}),
  };
}

function memberView(member: MemberSummary | MemberStatus): OperationMemberDto {
  return {
    member: member.member,
    state: member.state,
    ...(member.reason ? { reason: member.reason } : {}),
    ...(member.detail ? { detail: member.detail } : {}),
    keysImported: member.keysImported,
    keysSkipped: member.keysSkipped,
    ...(member.keysUpdated !== undefined ? { keysUpdated: member.keysUpdated } : {}),
    ...(member.notUpdated?.length ? { notUpdated: member.notUpdated.map((key) => ({ class: key.class, id: key.id, label: key.label, reason: key.reason })) } : {}),
    ...(member.copiesRemoved ? { copiesRemoved: member.copiesRemoved } : {}),
    ...(member.objectsDestroyed !== undefined ? { objectsDestroyed: member.objectsDestroyed } : {}),
    attempts: member.attempts,
    ...(member.workflowId ? { workflowId: member.workflowId } : {}),
    ...('approvals' in member && member.approvals ? { approvals: approvalsView(member.approvals) } : {}),
    ...(member.unsupportedKeys ? { unsupportedKeys: member.unsupportedKeys.map(({ class: keyClass, id, label, fingerprint, reason, detail }) => ({ class: keyClass, id, label, fingerprint, reason, detail })) } : {}),
    ...(member.invalidKeys ? { invalidKeys: member.invalidKeys.map(({ class: keyClass, id, label, fingerprint, reason, detail }) => ({ class: keyClass, id, label, fingerprint, reason, detail })) } : {}),
  };
}

/** The package as the operation (or the API's memo) recorded it: the digest, the count and each key's public facts. */
function packageView(recorded: OperationPackage): NonNullable<OperationDto['package']> {
  return {
    digest: recorded.digest,
    keyCount: recorded.keyCount,
    ...(recorded.keys ? { keys: recorded.keys.map(({ class: keyClass, id, label, fingerprint }) => ({ class: keyClass, id, label, fingerprint })) } : {}),
  };
}

/** A token as the operation recorded it: public identity and mechanism numbers only. */
function tokenView(token: TokenInUse): NonNullable<OperationDto['tokens']>[number] {
  return {
    member: token.member,
    role: token.role,
    manufacturer: token.manufacturer,
    model: token.model,
    library: token.library,
    wrapFormats: [...token.wrapFormats],
    ...(token.wrapMechanism ? { wrapMechanism: token.wrapMechanism } : {}),
    ...(token.oaepHashes ? { oaepHashes: [...token.oaepHashes] } : {}),
  };
}
