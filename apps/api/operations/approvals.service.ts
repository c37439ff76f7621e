// Challenges and approvals, delivered to the workflow that owns the member's approval step. The
// update's validator in the workflow decides; a refusal comes back as a 4xx whose code is its
// failure type (approval-refusal.ts).
import { HttpStatus, Injectable } from '@nestjs/common';
import { isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { Approval, ApprovalAccepted } from '../../../libs/contract/approvals';
import { approveUpdate, challengeQuery } from '../../../libs/contract/messages';
import { everyMember } from '../../../libs/contract/retire';
import { approvalWorkflowId, memberSyncWorkflowId } from '../../../libs/contract/workflow-ids';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import type { Principal } from '../http/api-request';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { OperationReader, type ResolvedOperation } from './operation-reader';
import type { ApprovalRequestDto, ChallengeDto } from './approval.dto';
import { approvalRefusalError } from './approval-refusal';

const deadlineMs = 30_000;

/** The approval's one proof: an Ed25519 signature or a security key's assertion (400 for none or both). */
function proofOf(body: ApprovalRequestDto): Pick<Approval, 'signature' | 'webauthn'> {
  if ((body.signature === undefined) === (body.webauthn === undefined)) {
    throw ApiError.badRequest(
      'invalid-input',
      'The request was refused: send exactly one of signature (your Ed25519 signature of the challenge) and webauthn (your security key\'s assertion over SHA-256 of the challenge). Fix the body and send it again.',
      [{ field: body.signature === undefined ? 'signature' : 'webauthn', reason: body.signature === undefined ? 'or webauthn is required' : 'must not be sent with webauthn' }],
    );
  }
  if (body.webauthn !== undefined) {
    const { credentialId, authenticatorData, clientDataJSON, signature } = body.webauthn;
    return { webauthn: { credentialId, authenticatorData, clientDataJSON, signature } };
  }
  return { signature: body.signature };
}
const grpcDeadlineExceeded: readonly number[] = [4];

@Injectable()
export class ApprovalsService {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: ApiConfig,
    private readonly reader: OperationReader,
  ) {}

  async challenge(operationId: string, member: string): Promise<ChallengeDto> {
    const resolved = await this.reader.resolve(operationId);
    this.assertMember(resolved, member);
    this.assertRunning(resolved);
    let answer: { challenge: string } | null;
    try {
      answer = await this.temporal.query(resolved.description.workflowId, challengeQuery, [member], deadlineMs);
    } catch (error) {
      throw this.unanswered(error);
    }
    if (!answer) {
      throw ApiError.conflict(
        'nothing-to-approve',
        `Operation ${operationId} has nothing for ${member} to approve right now (not a member of it, approvals not asked, or not yet at that step). Retry when GET ${operationId} shows ${member} awaiting-approval.`,
      );
    }
    return { challenge: answer.challenge };
  }

  async approve(operationId: string, body: ApprovalRequestDto, principal: Principal): Promise<ApprovalAccepted> {
    const resolved = await this.reader.resolve(operationId);
    const cluster = this.config.cluster(resolved.parsed.cluster);
    this.assertMember(resolved, body.member);
    if (!cluster.approvers.some((approver) => approver.id === principal.id)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'not-a-registered-approver',
        `Principal "${principal.id}" is not a registered approver of cluster ${cluster.id}: an approval is checked against the public key registered under the principal's id. Ask an admin to register it.`,
      );
    }
    if (body.approverId !== undefined && body.approverId !== principal.id) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'not-this-approver', `Principal "${principal.id}" approves as itself, not as ${body.approverId}: leave approverId out or send your own id.`);
    }
    this.assertRunning(resolved);
    const approval: Approval = { member: body.member, approverId: principal.id, decision: body.decision, ...proofOf(body) };
    const targetId = this.approvalTarget(resolved, body.member);
    try {
      return await this.temporal.update(targetId, approveUpdate, [approval], deadlineMs);
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        throw approvalRefusalError(error.cause);
      }
      if (error instanceof WorkflowNotFoundError) {
        throw ApiError.conflict('nothing-to-approve', `Nothing awaits ${body.member}'s approval in ${operationId} yet. Retry when the operation shows it awaiting-approval.`);
      }
      throw this.unanswered(error);
    }
  }

  /** A member of the operation's cluster (404 otherwise); `*` only for a retire, whose approvals cover every member at once. */
  private assertMember({ parsed, description }: ResolvedOperation, member: string): void {
    if (parsed.kind === 'member-retire') {
      throw ApiError.conflict('nothing-to-approve', `${description.workflowId} is one member's part of a retire; approve the retire itself (retire:${parsed.cluster}:${parsed.retireId}, member *).`);
    }
    const isRetire = parsed.kind === 'retire';
    if (member === everyMember) {
      if (!isRetire) {
        throw ApiError.conflict('nothing-to-approve', `Operation ${description.workflowId} is approved per member: name the member, not *. Only a retire is approved once for every member.`);
      }
      return;
    }
    this.config.member(parsed.cluster, member);
    if (isRetire) {
      throw ApiError.conflict('nothing-to-approve', `A retire is approved once for every member: use member * (GET /v1/operations/${description.workflowId}/approvals/*/challenge), not ${member}.`);
    }
  }

  /** The workflow that owns the member's approval step. */
  private approvalTarget({ parsed, description }: ResolvedOperation, member: string): string {
    if (parsed.kind === 'member-sync') {
      if (parsed.member !== member) {
        throw ApiError.conflict('nothing-to-approve', `Operation ${description.workflowId} imports to ${parsed.member} only; approve member ${parsed.member}.`);
      }
      return description.workflowId;
    }
    return parsed.kind === 'join' || parsed.kind === 'retire' ? approvalWorkflowId(description.workflowId, member) : memberSyncWorkflowId(description.workflowId, member);
  }

  private assertRunning({ description }: ResolvedOperation): void {
    if (description.status.name !== 'RUNNING') {
      throw ApiError.conflict('operation-closed', `Operation ${description.workflowId} has ended (${description.status.name.toLowerCase()}); there is nothing left to approve.`);
    }
  }

  private unanswered(error: unknown): unknown {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || (isGrpcServiceError(error) && grpcDeadlineExceeded.includes(error.code))) {
      return new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'orchestrator-unavailable',
        'The operation did not answer in time: no orchestrator worker is polling. Check GET /v1/health, start the worker, then retry.',
      );
    }
    return error;
  }
}
