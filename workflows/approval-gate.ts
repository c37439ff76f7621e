// The human-in-the-loop step of a memberSync or a join: message handlers plus a condition with a
// timeout. The update's validator refuses a bad approval before it enters the history, with a
// failure type per reason (libs/contract/approval-refusal-types.ts); the signal (for the Temporal
// UI) records a bad one as refused and ignores it.
//
// Security key approvals (DESIGN 14) are checked against the credentials an admin confirmed in the
// cluster's store (credential-store-workflow.ts) and the relying party of the worker's
// configuration, which the orchestrator activity approverCredentials reads. The gate asks it when a
// security key approval arrives, in the handler, then checks the approval against the answer: so a
// credential confirmed while the member waits counts without restarting the operation, one revoked
// meanwhile no longer does, and the activity's result is in the history (replay and the offline
// audit read what was checked). An operation approved with Ed25519 keys runs exactly the commands
// it ran before (no patch needed: no recorded history holds a security key approval). The update's
// validator refuses before history everything it can decide with what the gate last read: the
// shape, the member, four eyes, a duplicate, an assertion over another challenge, a known
// credential's bad signature; a credential it has not seen confirmed passes to the handler, which
// fails the update with the same refusal types when the fresh answer does not confirm it either.
import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { approvalChallenge } from '../libs/approvals/challenge';
import { approvalOutcome, checkApproval, confirmedCredentialOf, eligibleApprovers } from '../libs/approvals/check-approval';
import type { ApprovalContext, ApprovalOutcome } from '../libs/approvals/check-approval';
import { assertionChallengeProblem } from '../libs/approvals/webauthn';
import type { OrchestratorActivities } from '../libs/contract/activities';
import { approvalRefusalTypes } from '../libs/contract/approval-refusal-types';
import type { Approval, ApprovalAccepted, ApprovalRecord, ApprovalStatus, ChallengeAnswer, RefusalCode } from '../libs/contract/approvals';
import type { ApproverConfig } from '../libs/contract/cluster';
import type { ApproverCredentials } from '../libs/contract/credentials';
import { approveSignal, approveUpdate } from '../libs/contract/messages';
import { parseOperationId } from '../libs/contract/workflow-ids';

const { approverCredentials } = proxyActivities<OrchestratorActivities>({
  startToCloseTimeout: '1 minute',
  // A query of the credential store: retried while it or the orchestrator is briefly away.
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
});

type Refusal = { code: RefusalCode; message: string };

function refusalFailure(refusal: Refusal): ApplicationFailure {
  return ApplicationFailure.create({ type: approvalRefusalTypes[refusal.code], nonRetryable: true, message: refusal.message });
}

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
  /** The confirmed credentials and relying party, once asked (askCredentials). */
  private securityKeys: ApproverCredentials | null = null;

  constructor(private readonly options: ApprovalGateOptions) {
    this.status = { required: options.required, granted: [], refused: [] };
  }

  /** Registers the approve update and signal. Call once, at the start of the workflow. */
  install(): void {
    setHandler(
      approveUpdate,
      async (approval) => {
        if (approval.webauthn !== undefined) {
          await this.askCredentials();
          const refusal = this.refusal(approval);
          if (refusal !== null) throw refusalFailure(refusal);
        }
        return this.accept(approval, 'update');
      },
      {
        validator: (approval) => {
          // Validators do not run on replay, so what they throw is free to change: histories hold
          // only accepted updates.
          const refusal = this.validatorRefusal(approval);
          if (refusal !== null) throw refusalFailure(refusal);
        },
      },
    );
    setHandler(approveSignal, async (approval) => {
      const isSecurityKey = typeof approval === 'object' && approval !== null && (approval as Partial<Approval>).webauthn !== undefined;
      if (isSecurityKey && this.validatorRefusal(approval) === null) await this.askCredentials();
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
    return { workflowId, member, subject: this.subject, requestedBy, approvers, ...(this.securityKeys !== null ? { webauthn: this.securityKeys } : {}) };
  }

  /** A security key approval whose credential the gate has not seen confirmed (or has not asked about yet). */
  private namesUnknownCredential(approval: unknown): approval is Approval & { webauthn: { credentialId: string } } {
    const candidate = (typeof approval === 'object' && approval !== null ? approval : {}) as Partial<Approval>;
    const credentialId = candidate.webauthn?.credentialId;
    if (typeof credentialId !== 'string' || typeof candidate.approverId !== 'string') return false;
    const context = this.context();
    return context === null || confirmedCredentialOf(context, candidate.approverId, credentialId) === undefined;
  }

  /** What the validator refuses: all of checkApproval, except a credential it may not know yet, whose assertion must still answer this challenge. */
  private validatorRefusal(approval: unknown): Refusal | null {
    const refusal = this.refusal(approval);
    if (refusal?.code !== 'unknown-credential' || !this.namesUnknownCredential(approval) || this.subject === null) return refusal;
    const challenge = approvalChallenge({ workflowId: this.options.workflowId, member: this.options.member, subject: this.subject, decision: approval.decision });
    const problem = assertionChallengeProblem(approval.webauthn, challenge);
    return problem === null ? null : { code: 'bad-signature', message: `the security key approval does not answer ${challenge}: ${problem}` };
  }

  /** Reads the cluster's confirmed credentials and relying party (an activity: its result is in the history). */
  private async askCredentials(): Promise<void> {
    const cluster = parseOperationId(this.options.workflowId)?.cluster ?? '';
    this.securityKeys = await approverCredentials({ cluster });
  }

  private refusal(approval: unknown): Refusal | null {
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
