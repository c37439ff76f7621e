// A typed client of the REST API of DESIGN section 7, over fetch. Every refusal becomes a CliError
// that carries the API's {code, message} (and its correlation id, for the server log).
import type { Approval, Decision, MemberSummary, OperationKind, OperationStatus } from '../../workflows/types';
import { CliError, exitCodes } from './cli-error';

export interface ApprovalsView {
  required: number;
  granted: Array<{ approverId: string; decision: Decision; at: string; via: string }>;
  deadline?: string;
  coveredBy?: string;
}

/** A member as GET /v1/operations/{id} shows it: the workflows' summary plus its approvals while running. */
export interface OperationMember extends MemberSummary {
  approvals?: ApprovalsView;
}

export interface Operation {
  operationId: string;
  kind: OperationKind;
  cluster: string;
  requestedBy: string;
  state: OperationStatus;
  message?: string;
  package: { digest: string; keyCount: number } | null;
  members: OperationMember[];
  notExportable?: Array<{ class: string; id: string; label: string; fingerprint: string }>;
  join?: {
    member: string;
    sponsor: string;
    phase: string;
    transportFingerprint: string | null;
    approvals: ApprovalsView;
    keySyncWorkflowId: string | null;
  };
}

export interface StartedOperation {
  operationId: string;
  kind: OperationKind;
}

export interface ClusterView {
  id: string;
  founder: string;
  members: Array<{ id: string; tokenLabel?: string; taskQueue?: string }>;
  approvers: Array<{ id: string; publicKey: string }>;
  policy: {
    sync: { approvals: number; timeoutSeconds: number };
    join: { approvals: number; timeoutSeconds: number };
    memberOverrides?: Array<{ member: string; approvals: number; timeoutSeconds: number }>;
    parallelism: number;
    packageTtlSeconds: number;
  };
}

export interface SyncRequest {
  source: string;
  targets?: string[];
  keyIds?: string[];
  reason: string;
}

export interface RepairRequest {
  reason: string;
}

export interface JoinRequest {
  member: string;
  sponsor: string;
  reason?: string;
}

export interface ApiClientOptions {
  baseUrl: string;
  token?: string;
  /** Per request; a hung server must not hang a script. */
  timeoutMs?: number;
}

type Body = { json: unknown } | { bytes: Uint8Array; contentType: string } | undefined;

export class ApiClient {
  private readonly baseUrl: string;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  cluster(cluster: string): Promise<ClusterView> {
    return this.json('GET', `/v1/clusters/${seg(cluster)}`);
  }

  inventory(cluster: string): Promise<unknown> {
    return this.json('GET', `/v1/clusters/${seg(cluster)}/inventory`);
  }

  startSync(cluster: string, request: SyncRequest, idempotencyKey?: string): Promise<StartedOperation> {
    return this.json('POST', `/v1/clusters/${seg(cluster)}/syncs`, { json: request }, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
  }

  /** The same Idempotency-Key as a sync: a retried command starts nothing new. */
  startRepair(cluster: string, member: string, request: RepairRequest, idempotencyKey?: string): Promise<StartedOperation> {
    return this.json('POST', `/v1/clusters/${seg(cluster)}/members/${seg(member)}/repair`, { json: request }, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
  }

  startJoin(cluster: string, request: JoinRequest): Promise<StartedOperation> {
    return this.json('POST', `/v1/clusters/${seg(cluster)}/members`, { json: request });
  }

  operation(operationId: string): Promise<Operation> {
    return this.json('GET', `/v1/operations/${seg(operationId)}`);
  }

  challenge(operationId: string, member: string): Promise<{ challenge: string }> {
    return this.json('GET', `/v1/operations/${seg(operationId)}/approvals/${seg(member)}/challenge`);
  }

  /** The API takes the approver from the token's principal, so the body is {member, decision, signature}. */
  approve(operationId: string, approval: Approval): Promise<Record<string, unknown>> {
    const { member, decision, signature } = approval;
    return this.json('POST', `/v1/operations/${seg(operationId)}/approvals`, { json: { member, decision, signature } });
  }

  cancel(operationId: string): Promise<Record<string, unknown>> {
    return this.json('POST', `/v1/operations/${seg(operationId)}/cancel`, { json: {} });
  }

  history(operationId: string): Promise<unknown> {
    return this.json('GET', `/v1/operations/${seg(operationId)}/history`);
  }

  memberAudit(cluster: string, member: string): Promise<unknown> {
    return this.json('GET', `/v1/clusters/${seg(cluster)}/members/${seg(member)}/audit`);
  }

  async downloadPackage(digest: string): Promise<Buffer> {
    const response = await this.send('GET', `/v1/packages/${seg(digest)}`, undefined, {});
    return Buffer.from(await response.arrayBuffer());
  }

  /** `digest` is the SHA-256 the operator expects: the API refuses bytes that do not hash to it. */
  uploadPackage(cluster: string, member: string, bytes: Uint8Array, digest: string, reason?: string): Promise<StartedOperation> {
    const query = new URLSearchParams({ digest, ...(reason ? { reason } : {}) });
    return this.json('POST', `/v1/clusters/${seg(cluster)}/members/${seg(member)}/packages?${query.toString()}`, { bytes, contentType: 'application/octet-stream' });
  }

  private async json<T>(method: string, path: string, body?: Body, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.send(method, path, body, headers);
    const text = await response.text();
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch {
      throw new CliError('bad-response', `${method} ${path} answered ${response.status} with a body that is not JSON. Is ${this.baseUrl} a KeySync API?`);
    }
  }

  private async send(method: string, path: string, body: Body, headers: Record<string, string>): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const all: Record<string, string> = { accept: 'application/json', ...headers };
    if (this.options.token) all.authorization = `Bearer ${this.options.token}`;
    let payload: string | Uint8Array | undefined;
    if (body && 'json' in body) {
      payload = JSON.stringify(body.json);
      all['content-type'] = 'application/json';
    } else if (body) {
      payload = body.bytes;
      all['content-type'] = body.contentType;
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers: all, body: payload, signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new CliError(
        'api-unreachable',
        `Could not reach the KeySync API at ${this.baseUrl} (${cause}). Is the stack running (\`npm start\`)? Point --api or KEYSYNC_API_URL at it.`,
        exitCodes.unreachable,
      );
    }
    if (!response.ok) throw await apiRefusal(method, path, response);
    return response;
  }
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

/** The API's error body ({code, message, correlationId, details}) as a CliError; a hint for 401 and 403. */
async function apiRefusal(method: string, path: string, response: Response): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let body: { code?: unknown; message?: unknown; correlationId?: unknown; details?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = {};
  }
  const code = typeof body.code === 'string' ? body.code : `http-${response.status}`;
  let message = typeof body.message === 'string' ? body.message : `${method} ${path} answered HTTP ${response.status}.`;
  if (response.status === 401) message += ' Pass a valid token with --token or KEYSYNC_TOKEN (or --as <principal> with the demo).';
  if (response.status === 403) message += ' Use the token of a principal with that role (--as, --token).';
  const extra: Record<string, unknown> = { status: response.status };
  if (typeof body.correlationId === 'string') extra.correlationId = body.correlationId;
  if (Array.isArray(body.details)) extra.details = body.details;
  return new CliError(code, message, exitCodes.failed, extra);
}
