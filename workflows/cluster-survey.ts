// One look at every member of a cluster: its cluster-secret check values, its key inventory and
// its token's capabilities, one agent call per member (surveyToken) with a single probe. A member
// whose agent does not pick the call up within the probe window, or keeps failing past the
// member's deadline, is reported unreachable and never holds up the others (DESIGN section 2).
// Used by driftWatch, keyAvailability and clusterInventory; the first two hand what they saw to
// the keySync they start (surveyed-for-sync.ts), so its pre-flight need not ask again.
import { ApplicationFailure, CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { AgentTiming } from '../libs/contract/agent-timing';
import type { ClusterSnapshot } from '../libs/contract/cluster';
import type { TokenCapabilities } from '../libs/contract/hsm-capabilities';
import type { ClusterSecretsKcv, KeyGroup } from '../libs/contract/keys';
import type { LastError } from '../libs/contract/operations';
import type { SurveyTokenInput } from '../libs/contract/token-survey';
import { callAgent } from './agent-call';

export interface MemberSurvey {
  member: string;
  /** Null when the agent did not answer (see `problem`). */
  inventory: KeyGroup[] | null;
  kcv: ClusterSecretsKcv | null;
  /** Absent in histories recorded before the survey asked in one call, and when the agent did not answer. */
  capabilities?: TokenCapabilities;
  problem?: LastError;
}

/**
 * The patch under which a member is surveyed by one agent call (surveyToken) instead of two, and
 * its capabilities come with it (histories recorded before replay the two calls). keySync's
 * pre-flight asks the same way under it.
 */
export const surveyInOneCallPatch = 'survey-in-one-call';

/** Longest a member may take (retrying HSM faults included) before it counts as unreachable for this look. */
export function surveyDeadlineSeconds(timing: AgentTiming): number {
  return timing.nodeProbeSeconds * 2 + 30;
}

/** Every member of the cluster; with `keyIds`, each inventory holds only the groups of those CKA_IDs (in histories recorded before the one-call survey, every group). */
export async function surveyCluster(cluster: ClusterSnapshot, timing: AgentTiming, keyIds?: readonly string[]): Promise<MemberSurvey[]> {
  const inOneCall = patched(surveyInOneCallPatch);
  const scope: SurveyTokenInput = keyIds ? { keyIds: [...keyIds] } : {};
  return Promise.all(cluster.members.map((member) => surveyMember(cluster.id, member, timing, inOneCall ? scope : null)));
}

/** One member's look: one surveyToken call with `scope`, or (null, histories recorded before) two calls. */
async function surveyMember(cluster: string, member: string, timing: AgentTiming, scope: SurveyTokenInput | null): Promise<MemberSurvey> {
  const options = { cluster, member, timing, heartbeats: false, probeOnce: true as const };
  try {
    return await CancellationScope.withTimeout(surveyDeadlineSeconds(timing) * 1000, async () => {
      if (scope !== null) {
        const survey = await callAgent(options, (agent) => agent.surveyToken(scope));
        if (survey === null) return unreachable(member, 'waiting-for-node', `the agent of ${member} did not pick the call up within ${timing.nodeProbeSeconds}s`);
        return { member, ...survey };
      }
      // Both at once: one round trip to the agent instead of two (the availability gate is waited on).
      const [report, inventory] = await Promise.all([
        callAgent(options, async (agent) => ({ kcv: await agent.reportClusterSecrets() })),
        callAgent(options, (agent) => agent.inventoryKeys()),
      ]);
      if (report === null || inventory === null) return unreachable(member, 'waiting-for-node', `the agent of ${member} did not pick the call up within ${timing.nodeProbeSeconds}s`);
      return { member, inventory, kcv: report.kcv };
    });
  } catch (error) {
    if (isCancellation(error)) {
      // Our own deadline, not a cancel of the whole workflow: report and go on.
      if (CancellationScope.current().consideredCancelled) throw error;
      return unreachable(member, 'timeout', `${member} did not answer within ${surveyDeadlineSeconds(timing)}s (its HSM calls keep failing)`);
    }
    if (error instanceof ApplicationFailure) return unreachable(member, error.type ?? 'error', error.message);
    throw error;
  }
}

function unreachable(member: string, type: string, message: string): MemberSurvey {
  return { member, inventory: null, kcv: null, problem: { type, message } };
}
