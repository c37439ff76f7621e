// Signals, updates and queries of the key sync workflows, defined once and imported by the
// workflows (which install the handlers), the API and the CLI (which send them). Only definitions
// live here, so importing this module pulls in no workflow code. A wire name is recorded in every
// history: it never changes once released.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Approval, ApprovalAccepted, ChallengeAnswer } from './approvals';
import type { Credential, CredentialDecision, CredentialRegistration } from './credentials';
import type { MemberStatus, OperationState } from './operations';
import type { Tombstone, TombstoneLift } from './retire';

/**
 * Approve or reject (DESIGN section 6). The validator refuses a bad signature, an unknown approver,
 * the requester, a duplicate, an approval for another member or operation, or one that comes when
 * nothing awaits approval, before anything enters the history.
 */
export const approveUpdate = defineUpdate<ApprovalAccepted, [Approval]>('approve');

/**
 * The same approval as a signal, for senders that cannot send updates (the Temporal UI). A bad one
 * cannot be refused to its sender: it is recorded in the state as refused and ignored.
 */
export const approveSignal = defineSignal<[Approval]>('approve-signal');

/** A memberSync's (or a memberRetire's) live state. */
export const memberStateQuery = defineQuery<MemberStatus>('member-state');

/** A keySync's or join's live state. For a member's live state during a sync, query its memberSync. */
export const operationStateQuery = defineQuery<OperationState>('operation-state');

/**
 * The memo key under which a keySync publishes what its `operation-state` query answers, and a
 * memberSync what its `member-state` answers, in the workflow task where it changed (absent in
 * histories recorded before; null when too large to publish). A describe reads it from the server
 * alone, where a query needs a worker: as fresh as the query, without waiting behind workflow tasks.
 */
export const publishedViewMemoKey = 'view';

/**
 * The memo key under which a keySync publishes its package's keys (`KeyRef[]`: class, id, label,
 * fingerprint), once, when its export made them known; from then on its published view leaves
 * `package.keys` out, and a reader takes them from here (absent in histories recorded before).
 */
export const packageKeysMemoKey = 'packageKeys';

/**
 * The string an approver signs for the given member (null while there is nothing to approve yet).
 * A memberSync or a join answers for its own member when none is named (as the Temporal UI may send).
 */
export const challengeQuery = defineQuery<ChallengeAnswer | null, [member?: string]>('challenge');

/**
 * Ends a tombstone: an operator's explicit sync naming the key, or an upload of a package holding
 * it, brought the retired key back. Sent by that operation's workflow, so its history records it.
 */
export const liftTombstoneSignal = defineSignal<[TombstoneLift]>('lift-tombstone');

/** A tombstone's record, while it stands. */
export const tombstoneQuery = defineQuery<Tombstone>('tombstone');

/** Records a security key the API verified, pending an admin's confirmation (workflow approverCredentials). */
export const registerCredentialUpdate = defineUpdate<Credential, [CredentialRegistration]>('register-credential');

/** An admin's confirmation: from then on the credential approves. Recorded with who and when. */
export const confirmCredentialUpdate = defineUpdate<Credential, [CredentialDecision]>('confirm-credential');

/** An admin's revocation: the credential approves nothing from then on (a waiting operation asks the store at each security key approval). */
export const revokeCredentialUpdate = defineUpdate<Credential, [CredentialDecision]>('revoke-credential');

/** Every credential the store records, with its state. */
export const credentialsQuery = defineQuery<Credential[]>('credentials');
