// One look at a member's token in one agent call (NodeAgentActivities.surveyToken): what a sync's
// pre-flight, the drift watch, the availability gate and the inventory ask of every member. Check
// values, key identities and capabilities only: nothing secret, so it may sit in any history.
import type { TokenCapabilities } from './hsm-capabilities';
import type { ClusterSecretsKcv, KeyGroup } from './keys';

export interface SurveyTokenInput {
  /** Only the groups of these CKA_IDs (hex) in the inventory: a sync of a few keys, an availability request. Absent: every group. */
  keyIds?: string[];
}

export interface TokenSurvey {
  /** The cluster secrets' check values; null when the token holds none (not joined). */
  kcv: ClusterSecretsKcv | null;
  /** The token's key groups (those of `keyIds` when the input named some). */
  inventory: KeyGroup[];
  capabilities: TokenCapabilities;
}

/**
 * A member's survey, handed by the workflow that took it (a drift watch, an availability request)
 * to the keySync it starts, so the sync's pre-flight need not ask that member again
 * (KeySyncInput.surveyed). The inventory holds only the groups of the sync's keyIds.
 */
export interface SurveyedMember extends TokenSurvey {
  member: string;
}
