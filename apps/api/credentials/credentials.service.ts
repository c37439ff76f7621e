// Approvers' FIDO2 credentials (DESIGN 14): registration options and their verification here (the
// API may use node:crypto), the record in the cluster's credential store workflow, reached only
// through the TemporalGateway. Every change is an update, so the store's history is its audit.
import { HttpStatus, Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { decodeBase64url } from '../../../libs/approvals/base64url';
import type { ClusterConfig } from '../../../libs/config/types';
import { credentialRefusalTypes, isCredentialRefusalType } from '../../../libs/contract/credentials';
import type { Credential, CredentialDecision, CredentialRefusalType } from '../../../libs/contract/credentials';
import { confirmCredentialUpdate, credentialsQuery, registerCredentialUpdate, revokeCredentialUpdate } from '../../../libs/contract/messages';
import { KeySyncCluster, KeySyncKind } from '../../../libs/contract/search-attributes';
import { credentialStoreWorkflowId } from '../../../libs/contract/workflow-ids';
import { workflowTypes } from '../../../libs/contract/workflow-types';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import type { Principal } from '../http/api-request';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { RegistrationProblem, verifyRegistration } from './attestation';
import type { WorkflowHistoryDto } from '../operations/approval.dto';
import type { RegisterCredentialDto, RegistrationOptionsDto } from './credentials.dto';
import { RegistrationChallenges } from './registration-challenge';

const deadlineMs = 30_000;
const grpcDeadlineExceeded: readonly number[] = [4];

const refusalStatus: Record<CredentialRefusalType, HttpStatus> = {
  [credentialRefusalTypes.malformed]: HttpStatus.BAD_REQUEST,
  [credentialRefusalTypes.exists]: HttpStatus.CONFLICT,
  [credentialRefusalTypes.unknown]: HttpStatus.NOT_FOUND,
  [credentialRefusalTypes['wrong-state']]: HttpStatus.CONFLICT,
  [credentialRefusalTypes['self-confirm']]: HttpStatus.FORBIDDEN,
};

/** The challenge inside a clientDataJSON, before anything else of it is trusted. */
function challengeOf(clientDataJSON: string): string | null {
  const bytes = decodeBase64url(clientDataJSON);
  if (bytes === null) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    const challenge = (parsed as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' ? challenge : null;
  } catch {
    return null;
  }
}

@Injectable()
export class CredentialsService {
  private readonly challenges = new RegistrationChallenges();

  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: ApiConfig,
  ) {}

  async options(clusterId: string, approverId: string, principal: Principal): Promise<RegistrationOptionsDto> {
    const cluster = this.approverOf(clusterId, approverId, principal);
    const webauthn = this.relyingParty(cluster);
    const mine = (await this.records(cluster.id)).filter((record) => record.approverId === approverId && record.state !== 'revoked');
    return {
      challenge: this.challenges.issue(cluster.id, approverId),
      rp: { id: webauthn.rpId, name: webauthn.rpName ?? 'KeySync' },
      user: { id: Buffer.from(approverId, 'utf8').toString('base64url'), name: approverId, displayName: `${approverId} (cluster ${cluster.id})` },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { userVerification: 'required', residentKey: 'discouraged' },
      attestation: 'none',
      timeout: 120_000,
      excludeCredentials: mine.map((record) => ({ type: 'public-key' as const, id: record.credentialId })),
    };
  }

  async register(clusterId: string, approverId: string, body: RegisterCredentialDto, principal: Principal): Promise<Credential> {
    const cluster = this.approverOf(clusterId, approverId, principal);
    const webauthn = this.relyingParty(cluster);
    const challenge = challengeOf(body.clientDataJSON);
    const verdict = challenge === null ? 'malformed' : this.challenges.check(challenge, cluster.id, approverId);
    if (verdict !== 'ok') {
      const why = { malformed: 'is missing or not one this API issues', forged: 'was not issued by this API for this approver of this cluster', expired: 'has expired (two minutes)' }[verdict];
      throw ApiError.badRequest(
        'invalid-registration',
        `The registration was refused: its challenge ${why}. Ask for new options (POST .../credentials/options) and register the security key again.`,
      );
    }
    let publicKey: string;
    try {
      ({ publicKey } = verifyRegistration(body, challenge as string, { rpId: webauthn.rpId, origins: webauthn.origins }));
    } catch (error) {
      if (!(error instanceof RegistrationProblem)) throw error;
      throw ApiError.badRequest('invalid-registration', `The registration was refused: ${error.message}. Register the security key again from an allowed origin, with user verification (its PIN).`);
    }
    await this.temporal.start({
      workflowType: workflowTypes.approverCredentials,
      workflowId: credentialStoreWorkflowId(cluster.id),
      args: [{ cluster: cluster.id }],
      searchAttributes: [
        { key: KeySyncCluster, value: cluster.id },
        { key: KeySyncKind, value: 'credentials' },
      ],
      useExisting: true,
    });
    const registration = { approverId, credentialId: body.credentialId, publicKey, rpId: webauthn.rpId, ...(body.name !== undefined ? { name: body.name } : {}) };
    return this.change(() => this.temporal.update(credentialStoreWorkflowId(cluster.id), registerCredentialUpdate, [registration], deadlineMs));
  }

  async list(clusterId: string): Promise<Credential[]> {
    return this.records(this.config.cluster(clusterId).id);
  }

  /** The store's history: the audit of every registration, confirmation and revocation (`keysync audit export` adds it). */
  async history(clusterId: string): Promise<WorkflowHistoryDto> {
    const workflowId = credentialStoreWorkflowId(this.config.cluster(clusterId).id);
    try {
      const description = await this.temporal.describe(workflowId);
      const history = await this.temporal.fetchHistory(workflowId);
      return { workflowId, runId: description.runId, history: JSON.parse(historyToJSON(history)) as Record<string, unknown> };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw ApiError.notFound('credentials-not-found', `No security key was ever registered in cluster ${clusterId}: there is no credential store history.`);
      throw error;
    }
  }

  async decide(verb: 'confirm' | 'revoke', clusterId: string, approverId: string, credentialId: string, principal: Principal): Promise<Credential> {
    const cluster = this.config.cluster(clusterId);
    const decision: CredentialDecision = { approverId, credentialId, by: principal.id };
    const update = verb === 'confirm' ? confirmCredentialUpdate : revokeCredentialUpdate;
    return this.change(() => this.temporal.update(credentialStoreWorkflowId(cluster.id), update, [decision], deadlineMs), `No security key is registered in cluster ${cluster.id} yet.`);
  }

  /** The cluster, when the principal is that registered approver (registration is for oneself only). */
  private approverOf(clusterId: string, approverId: string, principal: Principal): ClusterConfig {
    const cluster = this.config.cluster(clusterId);
    if (principal.id !== approverId) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'not-this-approver', `Principal "${principal.id}" may register security keys only for itself, not for ${approverId}.`);
    }
    if (!cluster.approvers.some((approver) => approver.id === approverId)) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'not-a-registered-approver', `Principal "${principal.id}" is not a registered approver of cluster ${cluster.id}. Ask an admin to register it.`);
    }
    return cluster;
  }

  private relyingParty(cluster: ClusterConfig): NonNullable<ClusterConfig['webauthn']> {
    if (cluster.webauthn === undefined) {
      throw ApiError.conflict('webauthn-not-configured', `Cluster ${cluster.id} takes no security key approvals: an admin adds webauthn {rpId, origins} to its configuration first.`);
    }
    return cluster.webauthn;
  }

  private async records(cluster: string): Promise<Credential[]> {
    try {
      return await this.temporal.query(credentialStoreWorkflowId(cluster), credentialsQuery, [], deadlineMs);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return [];
      throw this.unanswered(error);
    }
  }

  /** Sends a change to the store; its validator's refusal becomes a 4xx with the refusal type as code. */
  private async change(send: () => Promise<Credential>, noStore = 'No security key is registered in this cluster yet.'): Promise<Credential> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw ApiError.notFound(credentialRefusalTypes.unknown, `${noStore} An approver registers one first.`);
      if (error instanceof WorkflowUpdateFailedError) {
        const cause = error.cause;
        const type = cause instanceof ApplicationFailure ? cause.type : undefined;
        const reason = cause instanceof Error ? cause.message : 'the credential store gave no reason';
        if (isCredentialRefusalType(type)) throw new ApiError(refusalStatus[type], type, `The change was refused: ${reason}.`);
        throw ApiError.conflict('credential-refused', `The change was refused: ${reason}.`);
      }
      throw this.unanswered(error);
    }
  }

  private unanswered(error: unknown): unknown {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || (isGrpcServiceError(error) && grpcDeadlineExceeded.includes(error.code))) {
      return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'orchestrator-unavailable', 'The credential store did not answer in time: no orchestrator worker is polling. Check GET /v1/health, start the worker, then retry.');
    }
    return error;
  }
}
