// approverCredentials (`credentials:<cluster>`): the durable, audited record of a cluster's FIDO2
// security key credentials (DESIGN 14). A credential is registered pending (the API verified its
// attestation first), counts only once an admin confirms it, and may be revoked.
//
// Why a workflow, as for tombstones (tombstone-workflow.ts): Temporal is the one durable store the
// API and every orchestrator already share, and a running workflow is never trimmed by retention.
// Each change is an update, so its history is the audit record (who registered, who confirmed and
// when), which `keysync audit verify` reads offline to trust a security key approval. The validators
// refuse a bad change before it enters the history. Changes are rare (a few per approver and
// year), so the history stays small and the workflow runs on without continue-as-new, keeping the
// whole audit in one history.
import { ApplicationFailure, condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { credentialRefusalTypes } from '../libs/contract/credentials';
import type { Credential, CredentialDecision, CredentialRegistration, CredentialStoreInput } from '../libs/contract/credentials';
import { confirmCredentialUpdate, credentialsQuery, registerCredentialUpdate, revokeCredentialUpdate } from '../libs/contract/messages';
import { KeySyncCluster, KeySyncKind, KeySyncState } from '../libs/contract/search-attributes';

type Refusal = keyof typeof credentialRefusalTypes;

function refuse(code: Refusal, message: string): never {
  throw ApplicationFailure.create({ type: credentialRefusalTypes[code], message, nonRetryable: true });
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 1024;

export async function approverCredentialsWorkflow(input: CredentialStoreInput): Promise<Credential[]> {
  upsertSearchAttributes([
    { key: KeySyncCluster, value: input.cluster },
    { key: KeySyncKind, value: 'credentials' },
    { key: KeySyncState, value: 'open' },
  ]);
  const records: Credential[] = [...(input.resume?.credentials ?? [])];
  const find = (approverId: string, credentialId: string) => records.find((record) => record.approverId === approverId && record.credentialId === credentialId);

  setHandler(credentialsQuery, () => records);

  setHandler(
    registerCredentialUpdate,
    (registration) => {
      const record: Credential = {
        credentialId: registration.credentialId,
        approverId: registration.approverId,
        ...(registration.name !== undefined ? { name: registration.name } : {}),
        state: 'pending',
        publicKey: registration.publicKey,
        rpId: registration.rpId,
        registeredAt: new Date().toISOString(),
      };
      records.push(record);
      return record;
    },
    {
      validator: (registration: CredentialRegistration) => {
        const shaped = typeof registration === 'object' && registration !== null;
        if (!shaped || ![registration.approverId, registration.credentialId, registration.publicKey, registration.rpId].every(isText)) {
          refuse('malformed', 'a registration is {approverId, credentialId, publicKey, rpId, name?}');
        }
        if (registration.name !== undefined && (typeof registration.name !== 'string' || registration.name.length > 200)) refuse('malformed', 'name must be text of at most 200 characters');
        // A credential id is the authenticator's: one registration per cluster, whoever holds it.
        if (records.some((record) => record.credentialId === registration.credentialId)) {
          refuse('exists', `credential ${registration.credentialId} is already registered in cluster ${input.cluster}`);
        }
      },
    },
  );

  const decisionValidator = (verb: 'confirm' | 'revoke') => (decision: CredentialDecision) => {
    if (typeof decision !== 'object' || decision === null || ![decision.approverId, decision.credentialId, decision.by].every(isText)) {
      refuse('malformed', `a ${verb} is {approverId, credentialId, by}`);
    }
    const record = find(decision.approverId, decision.credentialId);
    if (record === undefined) refuse('unknown', `no credential ${decision.credentialId} is registered for ${decision.approverId} in cluster ${input.cluster}`);
    if (verb === 'confirm' && record.state !== 'pending') refuse('wrong-state', `credential ${decision.credentialId} of ${decision.approverId} is ${record.state}, not pending`);
    if (verb === 'revoke' && record.state === 'revoked') refuse('wrong-state', `credential ${decision.credentialId} of ${decision.approverId} is revoked already`);
    if (verb === 'confirm' && decision.by === decision.approverId) {
      refuse('self-confirm', `${decision.by} cannot confirm a credential of their own: another admin must (four eyes)`);
    }
  };

  setHandler(
    confirmCredentialUpdate,
    (decision) => {
      const record = find(decision.approverId, decision.credentialId) as Credential;
      Object.assign(record, { state: 'confirmed', confirmedBy: decision.by, confirmedAt: new Date().toISOString() });
      return record;
    },
    { validator: decisionValidator('confirm') },
  );

  setHandler(
    revokeCredentialUpdate,
    (decision) => {
      const record = find(decision.approverId, decision.credentialId) as Credential;
      Object.assign(record, { state: 'revoked', revokedBy: decision.by, revokedAt: new Date().toISOString() });
      return record;
    },
    { validator: decisionValidator('revoke') },
  );

  // Runs as long as its cluster; ended only by an operator terminating it.
  await condition(() => false);
  return records;
}
