// What a drift watch or an availability request hands to the keySync it starts (workflows/surveyed-for-sync.ts):
// the pure choice; test/drift/availability-and-metrics.test.ts shows the gate's sync asking no member again.
import { describe, expect, it } from 'vitest';
import type { TokenCapabilities } from '../../libs/contract/hsm-capabilities';
import type { KeyGroup } from '../../libs/contract/keys';
import type { MemberSurvey } from '../../workflows/cluster-survey';
import { surveyedForSync, surveyedKeysUpTo } from '../../workflows/surveyed-for-sync';

const capabilities = { manufacturer: 'SoftHSM project', wrapFormats: ['aes-kwp'] } as unknown as TokenCapabilities;
const kcv = { ktkKcv: 'aaaaaa', pmkKcv: 'bbbbbb' };
const group = (id: string): KeyGroup => ({ class: 'private', keyType: 'ec', curve: 'P-256', label: `key-${id}`, id, fingerprint: `f${id}`, usages: ['sign'], hasPublicKey: true, hasCertificate: false, exportable: true });
const answered = (member: string, ids: string[]): MemberSurvey => ({ member, kcv, capabilities, inventory: ids.map(group) });

describe('surveyedForSync', () => {
  it("hands over each answering member of the sync with only the sync's keys, whatever their case", () => {
    const survey = [answered('node1', ['0a01', '0a02', '0b01']), answered('node2', ['0A02']), answered('node3', ['0a01'])];
    const surveyed = surveyedForSync(survey, ['0a01', '0A02'], ['node1', 'node2']);
    expect(surveyed?.map((member) => [member.member, member.inventory.map((held) => held.id), member.kcv, member.capabilities])).toEqual([
      ['node1', ['0a01', '0a02'], kcv, capabilities],
      ['node2', ['0A02'], kcv, capabilities],
    ]);
  });

  it('leaves out a member that did not answer: the sync asks it itself', () => {
    const survey = [answered('node1', ['0a01']), { member: 'node2', inventory: null, kcv: null, problem: { type: 'waiting-for-node', message: 'away' } }];
    expect(surveyedForSync(survey, ['0a01'], ['node1', 'node2'])?.map((member) => member.member)).toEqual(['node1']);
  });

  it('hands over nothing from a survey recorded without capabilities, or for more keys than the bound', () => {
    expect(surveyedForSync([{ member: 'node1', kcv, inventory: [] }], ['0a01'], ['node1'])).toBeUndefined();
    const many = Array.from({ length: surveyedKeysUpTo + 1 }, (_, index) => index.toString(16).padStart(4, '0'));
    expect(surveyedForSync([answered('node1', many)], many, ['node1'])).toBeUndefined();
    expect(surveyedForSync([answered('node1', many)], many.slice(1), ['node1'])?.[0]?.inventory).toHaveLength(surveyedKeysUpTo);
  });
});
