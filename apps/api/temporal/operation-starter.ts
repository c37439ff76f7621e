// Starts an operation's workflow at most once per workflow id, with no store besides Temporal:
// the id is derived from the request (an Idempotency-Key, a member, a package digest), the
// server refuses a second start of that id, and the request's hash in the memo tells a retry of
// the same request (answered with the same operation) from a different one (409).
import { Injectable } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { SearchAttributePair, WorkflowIdReusePolicy } from '@temporalio/common';
import { sha256Hex } from '../../../libs/digest';
import { canonicalJson } from '../../../libs/package-format';
import type { OperationPackage } from '../../../libs/contract/operations';
import { KeySyncCluster, KeySyncKind, KeySyncMembers, KeySyncState } from '../../../libs/contract/search-attributes';
import { ApiError } from '../errors/api-error';
import { TemporalGateway } from './temporal-gateway';

/** What the API records in each operation's memo: enough to answer for it without the worker. */
export interface OperationMemo {
  requestHash: string;
  requestedBy: string;
  cluster: string;
  members: string[];
  /** An uploaded package's digest and keys (public facts), the only place the API can tell them from. */
  package?: OperationPackage;
}

export interface StartRequest {
  workflowType: string;
  workflowId: string;
  args: unknown[];
  /** The request as the caller sent it (normalized): its hash identifies a retry. */
  request: unknown;
  memo: Omit<OperationMemo, 'requestHash'>;
  /** The KeySyncKind search attribute until the workflow sets its own (a repair is a keySync of kind repair). */
  kind: 'sync' | 'member-sync' | 'join' | 'repair' | 'retire';
  /** REJECT_DUPLICATE: one id, one operation forever; ALLOW_DUPLICATE_FAILED_ONLY: a failed one may be retried. */
  reusePolicy: WorkflowIdReusePolicy;
}

export function requestHash(request: unknown): string {
  return sha256Hex(canonicalJson(request));
}

@Injectable()
export class OperationStarter {
  constructor(private readonly temporal: TemporalGateway) {}

  /** Starts the workflow, or finds the one this same request started before. */
  async startOnce(start: StartRequest): Promise<{ operationId: string; created: boolean }> {
    const hash = requestHash(start.request);
    const memo: OperationMemo = { ...start.memo, requestHash: hash };
    const searchAttributes: SearchAttributePair[] = [
      { key: KeySyncCluster, value: start.memo.cluster },
      { key: KeySyncMembers, value: start.memo.members },
      { key: KeySyncKind, value: start.kind },
      { key: KeySyncState, value: start.kind === 'member-sync' ? 'pending' : 'running' },
    ];
    try {
      await this.temporal.start({
        workflowType: start.workflowType,
        workflowId: start.workflowId,
        args: start.args,
        memo: { ...memo },
        searchAttributes,
        reusePolicy: start.reusePolicy,
      });
      return { operationId: start.workflowId, created: true };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    const existing = await this.temporal.describe(start.workflowId);
    const existingHash = (existing.memo as Partial<OperationMemo> | undefined)?.requestHash;
    if (existingHash === hash) return { operationId: start.workflowId, created: false };
    throw ApiError.conflict(
      'idempotency-conflict',
      `Operation ${start.workflowId} already exists for a different request. Send the same request to get it again, or use a new Idempotency-Key for a new operation.`,
    );
  }
}
