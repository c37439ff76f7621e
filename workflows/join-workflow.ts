// join (`join:<cluster>:<member>`): the seed's "Synchronize HSM" for a new member (DESIGN section 3).
// The joining token makes an RSA-3072 transport key; approvers sign its fingerprint, as on a PIN
// pad; the sponsor wraps the cluster secrets under it (the blob goes to the package store, only its
// ref enters this history); the joining member unwraps them and must report the sponsor's check
// values; then a full keySync from the sponsor brings every key, covered by these approvals.
// Like keySync, the input carries the cluster's snapshot or only its id (cluster-resolution.ts).
// The RSA-OAEP hash of the transfer is negotiated before approval (behind patched(capabilitiesPatch)):
// SHA-256 when the sponsor's token and the joining one (its transport key report) both have it,
// else SHA-1; the sponsor wraps with that hash, and the join's state and history record it with
// both tokens' identities. Tokens that share no hash fail as unsupported-mechanism, unapproved.
import {
  ApplicationFailure,
  continueAsNew,
  executeChild,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterSnapshot } from '../libs/contract/cluster';
import { chooseOaepHash } from '../libs/contract/hsm-capabilities';
import type { OaepHash } from '../libs/contract/keys';
import { challengeQuery, operationStateQuery } from '../libs/contract/messages';
import type { JoinInput, JoinResult, JoinResume } from '../libs/contract/operation-inputs';
import type { JoinPhase, JoinState, MemberFailureReason, MemberState, OperationStatus } from '../libs/contract/operations';
import { describeProblems, joinRequestProblems } from '../libs/contract/request-rules';
import { KeySyncCluster, KeySyncKind, KeySyncMembers, KeySyncState } from '../libs/contract/search-attributes';
import { joinSyncId, keySyncWorkflowId } from '../libs/contract/workflow-ids';
import { workflowTypes } from '../libs/contract/workflow-types';
import type { KeySyncWorkflow } from '../libs/contract/workflow-types';
import { callAgent } from './agent-call';
import type { AgentCallOptions } from './agent-call';
import { ApprovalGate } from './approval-gate';
import { archiveThisHistoryWhenClosed } from './archive-workflow';
import { capabilitiesPatch, describeToken, tokenInUse } from './capability-plan';
import { clusterFromConfiguration } from './cluster-resolution';
import { sameKcv } from './cluster-secrets-kcv';
import { adviceFor, reasonForFailureType } from './failure-reasons';
import { announceAwaitingApproval, announceEnded } from './notifications';
import { agentTiming } from './timing';

export async function joinWorkflow(input: JoinInput): Promise<JoinResult> {
  const { workflowId } = workflowInfo();
  const timing = agentTiming(input.timing);
  // A snapshot in the input schedules nothing here, so the histories of such runs replay as before.
  const cluster = typeof input.cluster === 'string' ? await clusterFromConfiguration(input.cluster) : input.cluster;
  validateJoinInput(input, cluster);

  const gate = new ApprovalGate({
    workflowId,
    member: input.member,
    requestedBy: input.requestedBy,
    approvers: cluster.approvers,
    // A run that continues an approved one carries its approvals: they are not asked twice.
    required: input.resume ? 0 : cluster.policy.join.approvals,
    timeoutSeconds: cluster.policy.join.timeoutSeconds,
  });
  if (input.resume) gate.restore(input.resume.approvals);
  /** Set once approved: what a continue-as-new carries. */
  let approved: JoinResume | undefined = input.resume;
  const join: JoinState = {
    operationId: workflowId,
    kind: 'join',
    cluster: cluster.id,
    requestedBy: input.requestedBy,
    reason: input.reason,
    state: 'running',
    package: null,
    members: [{ member: input.member, state: 'pending', keysImported: 0, keysSkipped: 0, attempts: 0 }],
    notExportable: [],
    member: input.member,
    sponsor: input.sponsor,
    // A continued run resumes the transfer: its approvals are carried, its checks run again.
    phase: input.resume ? 'transfer-secrets' : 'transport-key',
    transportFingerprint: null,
    approvals: gate.status,
    keySyncWorkflowId: null,
  };
  const summary = join.members[0] as JoinState['members'][number];
  gate.install();
  setHandler(operationStateQuery, () => join);
  setHandler(challengeQuery, (member) => gate.challenge(member ?? input.member));
  upsertSearchAttributes([
    { key: KeySyncCluster, value: cluster.id },
    { key: KeySyncMembers, value: [input.member, input.sponsor] },
    { key: KeySyncKind, value: 'join' },
    { key: KeySyncState, value: 'running' },
  ]);

  const enter = (phase: JoinPhase, state: MemberState): void => {
    join.phase = phase;
    summary.state = state;
  };
  const finish = (state: OperationStatus, message?: string): JoinResult => {
    join.state = state;
    if (message !== undefined) join.message = message;
    upsertSearchAttributes([{ key: KeySyncState, value: state }]);
    return join;
  };
  const fail = (reason: MemberFailureReason, detail: string): JoinResult => {
    Object.assign(summary, { state: 'failed', reason, detail: `${detail} ${adviceFor(reason)}` });
    return finish('failed', summary.detail);
  };
  const agentOptions = (member: string, working: MemberState): AgentCallOptions => ({
    cluster: cluster.id,
    member,
    timing,
    heartbeats: false,
    hooks: {
      // Only the joining member's own agent being away is its state; a sponsor away shows in the phase.
      onWaitingForNode: async () => {
        if (member === input.member) summary.state = 'waiting-for-node';
        // Before approval a new run loses nothing (the transport key is made idempotently); after, it carries the approvals.
        if (workflowInfo().historyLength >= timing.continueAsNewAfterEvents) {
          await continueAsNew<typeof joinWorkflow>({ ...input, cluster, resume: approved });
        }
      },
      onNodeBack: () => {
        if (member === input.member) summary.state = working;
      },
      onAttempt: () => {
        if (member === input.member) summary.state = working;
      },
    },
  });

  // Asked once, before the first command: histories recorded before the hash was negotiated replay without it.
  const negotiatesOaepHash = patched(capabilitiesPatch);

  try {
    const sponsorKcv = await callAgent(agentOptions(input.sponsor, 'pending'), (agent) => agent.reportClusterSecrets());
    if (sponsorKcv === null) return fail('wrong-cluster', `The sponsor ${input.sponsor} holds no cluster transfer secrets to give.`);
    const memberKcv = await callAgent(agentOptions(input.member, 'pending'), (agent) => agent.reportClusterSecrets());
    if (memberKcv !== null && !sameKcv(memberKcv, sponsorKcv)) {
      return fail('wrong-cluster', `${input.member} already holds cluster transfer secrets of another cluster; its token must be initialized afresh to join.`);
    }

    const transport = input.resume?.transport ?? (await callAgent(agentOptions(input.member, 'pending'), (agent) => agent.createTransportKey()));
    join.transportFingerprint = transport.fingerprint;

    // A member that already holds the secrets needs no transfer, so no hash either.
    if (negotiatesOaepHash && memberKcv === null) {
      const [sponsorTokens, joiningTokens] = await Promise.all([
        callAgent(agentOptions(input.sponsor, 'pending'), (agent) => agent.reportCapabilities()),
        callAgent(agentOptions(input.member, 'pending'), (agent) => agent.reportCapabilities()),
      ]);
      // What the joining token stated with its transport key; a transport key made before it was stated: its capabilities.
      const joiningHashes: OaepHash[] = transport.oaepHashes ?? joiningTokens.oaepHashes;
      join.tokens = [
        { ...tokenInUse(input.sponsor, 'sponsor', sponsorTokens), oaepHashes: [...sponsorTokens.oaepHashes] },
        { ...tokenInUse(input.member, 'joining', joiningTokens), oaepHashes: [...joiningHashes] },
      ];
      const chosen = chooseOaepHash(sponsorTokens.oaepHashes, joiningHashes);
      if (chosen === null) {
        const list = (hashes: readonly OaepHash[]) => hashes.join(', ') || 'none';
        return fail(
          'unsupported-mechanism',
          `The sponsor ${input.sponsor} (${describeToken(sponsorTokens)}; RSA-OAEP ${list(sponsorTokens.oaepHashes)}) and ${input.member} (${describeToken(joiningTokens)}; RSA-OAEP ${list(joiningHashes)}) share no RSA-OAEP hash, so the cluster secrets cannot be transported between them; nothing was approved or wrapped. Choose another sponsor.`,
        );
      }
      join.oaepHash = chosen;
    }

    enter('approval', gate.asksApproval() ? 'awaiting-approval' : 'pending');
    const decision = await gate.decide(transport.fingerprint, () => announceAwaitingApproval(join, input.member, gate.status));
    if (decision === 'rejected') {
      const by = gate.status.granted.find((record) => record.decision === 'reject')?.approverId ?? 'an approver';
      return fail('rejected', `${by} rejected the join of ${input.member}.`);
    }
    if (decision === 'timeout') {
      return fail('approval-timeout', `The join of ${input.member} needed ${cluster.policy.join.approvals} approval(s) within ${cluster.policy.join.timeoutSeconds}s.`);
    }
    if (decision === 'unreachable') {
      return fail('approval-timeout', `The join policy asks ${cluster.policy.join.approvals} approvals but fewer registered approvers may approve (the requester may not).`);
    }
    approved = { approvals: gate.status, transport };

    // A member that already holds these very secrets (a join run again after a failed key sync) skips the transfer.
    if (memberKcv === null) {
      enter('transfer-secrets', 'importing');
      const wrapped = await callAgent(agentOptions(input.sponsor, 'importing'), (agent) =>
        agent.wrapSecretsForJoin({
          operationId: workflowId,
          transportPublicKeyDer: transport.publicKeyDer,
          transportFingerprint: transport.fingerprint,
          ...(join.oaepHash ? { oaepHash: join.oaepHash } : {}),
        }),
      );
      join.oaepHash = wrapped.oaepHash;
      const received = await callAgent(agentOptions(input.member, 'importing'), (agent) =>
        agent.receiveClusterSecrets({ operationId: workflowId, blob: wrapped.blob }),
      );
      enter('verify-secrets', 'verifying');
      if (!sameKcv(received, sponsorKcv)) {
        return fail('wrong-cluster', `${input.member} reports check values other than the sponsor's after the transfer.`);
      }
    }

    enter('sync-keys', 'importing');
    const keySyncId = keySyncWorkflowId(cluster.id, joinSyncId(input.member));
    join.keySyncWorkflowId = keySyncId;
    const synced = await executeChild<KeySyncWorkflow>(workflowTypes.keySync, {
      workflowId: keySyncId,
      args: [
        {
          cluster,
          source: input.sponsor,
          targets: [input.member],
          requestedBy: input.requestedBy,
          reason: `join of ${input.member}: ${input.reason}`,
          preApprovals: [{ member: input.member, operationId: workflowId, approvals: gate.status.granted }],
          timing: input.timing,
        },
      ],
    });
    const result = synced.members.find((member) => member.member === input.member);
    join.package = synced.package;
    join.notExportable = synced.notExportable;
    if (result !== undefined) Object.assign(summary, { ...result, workflowId: result.workflowId ?? keySyncId });
    join.phase = 'done';
    return finish(synced.state === 'completed' ? 'completed' : 'failed', synced.message);
  } catch (error) {
    if (isCancellation(error)) {
      Object.assign(summary, { state: 'failed', reason: 'cancelled', detail: `The join of ${input.member} was cancelled during ${join.phase}. ${adviceFor('cancelled')}` });
      finish('cancelled');
      throw error;
    }
    if (error instanceof ApplicationFailure && error.nonRetryable) {
      return fail(reasonForFailureType(error.type ?? ''), `The join of ${input.member} failed during ${join.phase}: ${error.message}`);
    }
    throw error;
  } finally {
    await Promise.all([announceEnded(join), archiveThisHistoryWhenClosed()]);
  }
}

/** The API's rules for a join request (an input typed in the Temporal UI never passed the API). */
function validateJoinInput(input: JoinInput, cluster: ClusterSnapshot): void {
  const problems = joinRequestProblems(input, cluster);
  if (problems.length > 0) {
    throw ApplicationFailure.create({ type: 'invalid-input', message: `Cannot start this join: ${describeProblems(problems)}.`, nonRetryable: true });
  }
}
