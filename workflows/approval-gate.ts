// The human-in-the-loop step of a memberSync or a join: message handlers plus a condition with a
// timeout. The update's validator refuses a bad approval before it enters the history, with a
// failure type per reason (libs/contract/approval-refusal-types.ts); the signal (for the Temporal
// UI) records a bad one as refused and ignores it.
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { approvalChallenge } from '../libs/approvals/challenge';
import { approvalOutcome, checkApproval, eligibleApprovers } from '../libs/approvals/check-approval';
import type { ApprovalContext, ApprovalOutcome } from '../libs/approvals/check-approval';
import { approvalRefusalTypes } from '../libs/contract/approval-refusal-types';
import type { Approval, ApprovalAccepted, ApprovalRecord, ApprovalStatus, ChallengeAnswer, RefusalCode } from '../libs/contract/approvals';
import type { ApproverConfig } from '../libs/contract/cluster';
import { approveSignal, approveUpdate } from '../libs/contract/messages';

export interface ApprovalGateOptions {
  workflowId: string;
  member: string;
  requestedBy: string;
  approvers: ApproverConfig[];
  required: number;
  timeoutSeconds: number;
}

export type GateResult = 'approved' | 'rejected' | 'timeout' | 'unreachable';

export class ApprovalGate {
  readonly status: ApprovalStatus;
  /** The package digest or transport fingerprint, once the operation has one to approve. */
  private subject: string | null = null;
  private open = false;

  constructor(private readonly options: ApprovalGateOptions) {
    this.status = { required: options.required, granted: [], refused: [] };
  }

  /** Registers the approve update and signal. Call once, at the start of the workflow. */
  install(): void {
    setHandler(approveUpdate, (approval) => this.accept(approval, 'update'), {
      validator: (approval) => {
        const refusal = this.refusal(approval);
        // Validators do not run on replay, so what they throw is free to change: histories hold
        // only accepted updates.
        if (refusal !== null) throw ApplicationFailure.create({ type: approvalRefusalTypes[refusal.code], nonRetryable: true, message: refusal.message });
      },
    });
    setHandler(approveSignal, (approval) => {
      const refusal = this.refusal(approval);
      if (refusal === null) {
        this.accept(approval, 'signal');
        return;
      }
      const shape = (typeof approval === 'object' && approval !== null ? approval : {}) as Partial<Approval>;
      this.status.refused.push({
        approverId: String(shape.approverId ?? ''),
        member: String(shape.member ?? ''),
        decision: shape.decision === 'reject' ? 'reject' : 'approve',
        code: refusal.code,
        message: refusal.message,
        at: new Date().toISOString(),
      });
    });
  }

  /** The challenge for `member`, or null while there is nothing to approve. */
  challenge(member: string): ChallengeAnswer | null {
    if (this.subject === null || member !== this.options.member) return null;
    return {
      challenge: approvalChallenge({ workflowId: this.options.workflowId, member, subject: this.subject, decision: 'approve' }),
    };
  }

  /** Marks the approvals as given elsewhere (a join's cover its key sync). */
  cover(operationId: string, approvals: ApprovalRecord[]): void {
    this.status.coveredBy = operationId;
    this.status.granted.push(...approvals.map((record) => ({ ...record, via: 'join' as const })));
  }

  /** Takes over the approvals a previous run of this workflow decided (after a continue-as-new). */
  restore(previous: ApprovalStatus): void {
    Object.assign(this.status, { required: previous.required, granted: [...previous.granted], refused: [...previous.refused] });
    if (previous.coveredBy !== undefined) this.status.coveredBy = previous.coveredBy;
  }

  /** True when this operation waits for approvers (not covered elsewhere, policy asks some). */
  asksApproval(): boolean {
    return this.options.required > 0;
  }

  /**
   * Opens the gate for `subject` and waits until the policy decides or its time is up. `onWaiting`
   * runs once the gate is open and approvers are really awaited (it tells them: notifications.ts).
   */
  async decide(subject: string, onWaiting?: () => Promise<void>): Promise<GateResult> {
    this.subject = subject;
    if (this.options.required <= 0) return 'approved';
    if (eligibleApprovers(this.options.approvers, this.options.requestedBy) < this.options.required) return 'unreachable';
    const timeoutMs = this.options.timeoutSeconds * 1000;
    this.status.deadline = new Date(Date.now() + timeoutMs).toISOString();
    this.open = true;
    try {
      await onWaiting?.();
      const decided = await condition(() => this.outcome() !== 'pending', timeoutMs);
      if (!decided) return 'timeout';
      return this.outcome() === 'approved' ? 'approved' : 'rejected';
    } finally {
      this.open = false;
      delete this.status.deadline;
    }
  }

  outcome(): ApprovalOutcome {
    return approvalOutcome(this.options.required, this.status.granted);
  }

  private context(): ApprovalContext | null {
    if (this.subject === null) return null;
    const { workflowId, member, requestedBy, approvers } = this.options;
    return { workflowId, member, subject: this.subject, requestedBy, approvers };
  }

  private refusal(approval: unknown): { code: RefusalCode; message: string } | null {
    const context = this.context();
    if (!this.open || context === null) {
      return { code: 'not-awaiting-approval', message: `${this.options.workflowId} is not awaiting approval now` };
    }
    const check = checkApproval(context, approval, this.status.granted);
    return check.ok ? null : { code: check.code, message: check.message };
  }

  private accept(approval: Approval, via: 'update' | 'signal'): ApprovalAccepted {
    // Validators and handlers run back to back, so this cannot happen today; it keeps "one count
    // per approver" true even if a handler ever awaits before recording.
    const counted = this.status.granted.some((record) => record.approverId === approval.approverId);
    if (!counted) this.status.granted.push({ approverId: approval.approverId, decision: approval.decision, at: new Date().toISOString(), via });
    return { member: approval.member, approverId: approval.approverId, decision: approval.decision, approvals: this.status };
  }
}
