// A typed client of the REST API of DESIGN section 7: openapi-fetch over the `paths` generated
// from openapi.json (libs/api-client/openapi-types.ts), so every path, parameter, body and answer has the
// spec's own type and none is restated here. Every failure becomes a CliError (api-failures.ts).
import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import { failuresAsCliErrors } from './api-failures';
import type { components, paths } from '../../libs/api-client/openapi-types';

type Schemas = components['schemas'];
export type Operation = Schemas['OperationDto'];
export type OperationMember = Schemas['OperationMemberDto'];
export type StartedOperation = Schemas['StartedOperationDto'];
export type ClusterView = Schemas['ClusterDto'];
export type ClusterInventory = Schemas['ClusterInventoryDto'];
export type AuditTrail = Schemas['AuditTrailDto'];
export type Histories = Schemas['HistoriesDto'];
export type ApprovalAccepted = Schemas['ApprovalAcceptedDto'];
export type CancelAccepted = Schemas['CancelAcceptedDto'];
export type SyncRequest = Schemas['SyncRequestDto'];
export type RepairRequest = Schemas['RepairRequestDto'];
export type JoinRequest = Schemas['JoinRequestDto'];
export type ApprovalRequest = Schemas['ApprovalRequestDto'];
export type RetireRequest = Schemas['RetireRequestDto'];
export type Credential = Schemas['CredentialDto'];
export type WorkflowHistory = Schemas['WorkflowHistoryDto'];

export interface ApiClientOptions {
  baseUrl: string;
  token?: string;
  /** Per request; a hung server must not hang a script. */
  timeoutMs?: number;
}

export class ApiClient {
  private readonly http: Client<paths>;

  constructor(options: ApiClientOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    const timeoutMs = options.timeoutMs ?? 60_000;
    this.http = createClient<paths>({
      baseUrl,
      headers: { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      // A timer per request, started when the request is sent.
      fetch: (request) => fetch(request, { signal: AbortSignal.timeout(timeoutMs) }),
    });
    this.http.use(failuresAsCliErrors(baseUrl));
  }

  cluster(cluster: string): Promise<ClusterView> {
    return answerOf(this.http.GET('/v1/clusters/{cluster}', { params: { path: { cluster } } }));
  }

  inventory(cluster: string): Promise<ClusterInventory> {
    return answerOf(this.http.GET('/v1/clusters/{cluster}/inventory', { params: { path: { cluster } } }));
  }

  startSync(cluster: string, request: SyncRequest, idempotencyKey?: string): Promise<StartedOperation> {
    return answerOf(this.http.POST('/v1/clusters/{cluster}/syncs', { params: { path: { cluster }, header: { 'Idempotency-Key': idempotencyKey } }, body: request }));
  }

  /** The same Idempotency-Key as a sync: a retried command starts nothing new. */
  startRepair(cluster: string, member: string, request: RepairRequest, idempotencyKey?: string): Promise<StartedOperation> {
    return answerOf(
      this.http.POST('/v1/clusters/{cluster}/members/{member}/repair', { params: { path: { cluster, member }, header: { 'Idempotency-Key': idempotencyKey } }, body: request }),
    );
  }

  /** The same Idempotency-Key as a sync: a retried command starts nothing new. */
  startRetire(cluster: string, keyId: string, request: RetireRequest, idempotencyKey?: string): Promise<StartedOperation> {
    return answerOf(
      this.http.POST('/v1/clusters/{cluster}/keys/{keyId}/retire', { params: { path: { cluster, keyId }, header: { 'Idempotency-Key': idempotencyKey } }, body: request }),
    );
  }

  startJoin(cluster: string, request: JoinRequest): Promise<StartedOperation> {
    return answerOf(this.http.POST('/v1/clusters/{cluster}/members', { params: { path: { cluster } }, body: request }));
  }

  /** The operation's view; a poller that accepts one up to maxAgeSeconds old says so (Cache-Control: max-age), and the API may answer it without asking Temporal. */
  operation(operationId: string, maxAgeSeconds?: number): Promise<Operation> {
    const header = maxAgeSeconds ? { 'Cache-Control': `max-age=${maxAgeSeconds}` } : undefined;
    return answerOf(this.http.GET('/v1/operations/{operationId}', { params: { path: { operationId }, ...(header ? { header } : {}) } }));
  }

  challenge(operationId: string, member: string): Promise<Schemas['ChallengeDto']> {
    return answerOf(this.http.GET('/v1/operations/{operationId}/approvals/{member}/challenge', { params: { path: { operationId, member } } }));
  }

  /** The API takes the approver from the token's principal: only {member, decision, signature} of a signed approval is sent. */
  approve(operationId: string, { member, decision, signature }: ApprovalRequest): Promise<ApprovalAccepted> {
    return answerOf(this.http.POST('/v1/operations/{operationId}/approvals', { params: { path: { operationId } }, body: { member, decision, signature } }));
  }

  cancel(operationId: string): Promise<CancelAccepted> {
    return answerOf(this.http.POST('/v1/operations/{operationId}/cancel', { params: { path: { operationId } } }));
  }

  history(operationId: string): Promise<Histories> {
    return answerOf(this.http.GET('/v1/operations/{operationId}/history', { params: { path: { operationId } } }));
  }

  credentials(cluster: string): Promise<Schemas['CredentialListDto']> {
    return answerOf(this.http.GET('/v1/clusters/{cluster}/approvers/credentials', { params: { path: { cluster } } }));
  }

  credentialHistory(cluster: string): Promise<WorkflowHistory> {
    return answerOf(this.http.GET('/v1/clusters/{cluster}/approvers/credentials/history', { params: { path: { cluster } } }));
  }

  decideCredential(verb: 'confirm' | 'revoke', cluster: string, approverId: string, credentialId: string): Promise<Credential> {
    const params = { params: { path: { cluster, approverId, credentialId } } };
    return answerOf(
      verb === 'confirm'
        ? this.http.POST('/v1/clusters/{cluster}/approvers/{approverId}/credentials/{credentialId}/confirm', params)
        : this.http.POST('/v1/clusters/{cluster}/approvers/{approverId}/credentials/{credentialId}/revoke', params),
    );
  }

  memberAudit(cluster: string, member: string): Promise<AuditTrail> {
    return answerOf(this.http.GET('/v1/clusters/{cluster}/members/{member}/audit', { params: { path: { cluster, member } } }));
  }

  async downloadPackage(digest: string): Promise<Buffer> {
    return Buffer.from(await answerOf(this.http.GET('/v1/packages/{digest}', { params: { path: { digest } }, parseAs: 'arrayBuffer' })));
  }

  /** `digest` is the SHA-256 the operator expects: the API refuses bytes that do not hash to it. */
  uploadPackage(cluster: string, member: string, bytes: Uint8Array, digest: string, reason?: string): Promise<StartedOperation> {
    return answerOf(
      this.http.POST('/v1/clusters/{cluster}/members/{member}/packages', {
        params: { path: { cluster, member }, query: { digest, ...(reason ? { reason } : {}) } },
        body: bytes,
        headers: { 'content-type': 'application/octet-stream' },
        // The package goes as the bytes it is, not as JSON.
        bodySerializer: (body) => body,
      }),
    );
  }
}

/** The answer of a call; failuresAsCliErrors has already turned every refusal and unusable answer into a CliError. */
async function answerOf<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data, response } = await call;
  if (data === undefined) throw new Error(`${response.url} answered ${response.status} without a body.`);
  return data;
}
