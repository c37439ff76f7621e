// What a drift watch or an availability request hands to the keySync it starts of its survey
// (KeySyncInput.surveyed): the sync's pre-flight then asks those members nothing again. Only the
// groups of the sync's keys travel, so the child's input stays small.
import type { SurveyedMember } from '../libs/contract/token-survey';
import type { MemberSurvey } from './cluster-survey';

/**
 * Above this many keys, a sync started from a survey asks its members again in its own pre-flight:
 * the survey's slice of every member's inventory would make the child's input large.
 */
export const surveyedKeysUpTo = 64;

/**
 * What a survey saw of the members a sync of `keyIds` involves, for that sync's input: each
 * answering member's check values and capabilities, and its inventory's groups of those keys.
 * Undefined when the survey has no capabilities (an older history) or the keys are too many.
 */
export function surveyedForSync(survey: readonly MemberSurvey[], keyIds: readonly string[], members: readonly string[]): SurveyedMember[] | undefined {
  if (keyIds.length > surveyedKeysUpTo) return undefined;
  const wanted = new Set(keyIds.map((id) => id.toLowerCase()));
  const surveyed: SurveyedMember[] = [];
  for (const { member, inventory, kcv, capabilities } of survey) {
    if (!members.includes(member) || inventory === null) continue;
    if (capabilities === undefined) return undefined;
    surveyed.push({ member, kcv, capabilities, inventory: inventory.filter((group) => wanted.has(group.id.toLowerCase())) });
  }
  return surveyed;
}
