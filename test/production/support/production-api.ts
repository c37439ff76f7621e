// The API of a running production shape as the demo's people use it: calls with demo.json's
// tokens, approvals signed with the approver key files, and waiting for an operation to end.
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ProductionDemoFile } from '../../../apps/stack/production/production-demo-file';
import { waitFor } from '../../support/wait-for';

export type Role = keyof ProductionDemoFile['tokens'];
export type Approver = 'approver-1' | 'approver-2' | 'approver-3';

export interface OperationView {
  state: string;
  members: Array<{ member: string; state: string; keysImported?: number }>;
}

export interface ProductionApi {
  call(method: string, path: string, as: Role, json?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** POST /v1/clusters/<cluster>/syncs; the operation id. */
  startSync(targets: string[], reason: string): Promise<string>;
  /** POST /v1/clusters/<cluster>/members; the operation id. */
  startJoin(member: string): Promise<string>;
  /** Fetches the member's challenge (once the operation asks for it), signs it with the approver's key, approves. */
  approve(operationId: string, member: string, approver: Approver): Promise<void>;
  /** The operation once it is no longer running; answers other than 200 (the API between Temporal restarts) are waited through. */
  waitForOperation(operationId: string, timeoutMs: number): Promise<OperationView>;
}

export function productionApi(demo: ProductionDemoFile): ProductionApi {
  const call: ProductionApi['call'] = async (method, path, as, json) => {
    const response = await fetch(`${demo.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${demo.tokens[as]}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      ...(json ? { body: JSON.stringify(json) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const started = (what: string, answer: { status: number; body: Record<string, unknown> }): string => {
    if (answer.status !== 202) throw new Error(`${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.operationId as string;
  };
  return {
    call,
    startSync: async (targets, reason) => started(`the sync to ${targets.join(', ')}`, await call('POST', `/v1/clusters/${demo.cluster}/syncs`, 'operator', { source: 'node1', targets, reason })),
    startJoin: async (member) => started(`the join of ${member}`, await call('POST', `/v1/clusters/${demo.cluster}/members`, 'admin', { member, sponsor: 'node1' })),
    approve: async (operationId, member, approver) => {
      const key = createPrivateKey(readFileSync(demo.approverKeys[approver]!, 'utf8'));
      // The challenge can be served a moment before the member's sync waits for approvals (409
      // approval-not-awaited): the approval is tried again until it is awaited.
      await waitFor(
        async () => {
          const challenge = await call('GET', `/v1/operations/${operationId}/approvals/${member}/challenge`, approver);
          if (challenge.status !== 200) return false;
          const signature = sign(null, Buffer.from(challenge.body.challenge as string, 'utf8'), key).toString('base64');
          const answer = await call('POST', `/v1/operations/${operationId}/approvals`, approver, { member, decision: 'approve', signature });
          if (answer.status === 200) return true;
          if (answer.status === 409 && answer.body.code === 'approval-not-awaited') return false;
          throw new Error(`${approver}'s approval for ${member} in ${operationId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        },
        { timeoutMs: 120_000, intervalMs: 250, description: `${approver}'s approval of ${member} in ${operationId} to be accepted` },
      );
    },
    waitForOperation: (operationId, timeoutMs) =>
      waitFor(
        async () => {
          const answer = await call('GET', `/v1/operations/${operationId}`, 'auditor');
          if (answer.status !== 200) throw new Error(`GET /v1/operations/${operationId} answered ${answer.status}`);
          const view = answer.body as unknown as OperationView;
          return view.state !== 'running' ? view : null;
        },
        { timeoutMs, intervalMs: 1_000, description: `${operationId} to finish` },
      ),
  };
}
