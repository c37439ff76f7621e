// The body of POST /v1/clusters/{cluster}/syncs: each field validated and documented by the
// same decorator.
import { StringField, StringListField } from '../validation/fields';
import { idRule, keyIdRule, reasonRule } from '../validation/rules';

export class SyncRequestDto {
  @StringField(idRule, { description: 'The member whose keys are copied.', example: 'node1' })
  source!: string;

  @StringListField(
    idRule,
    { minItems: 1, maxItems: 256, unique: 'must not repeat a member' },
    { required: false, description: 'Members to sync to, never the source (400 otherwise); default: every other member.', example: ['node2', 'node3'] },
  )
  targets?: string[];

  // 256 ids of the longest kind still fit in a JSON body (body-limits.ts), with every other field at its longest.
  @StringListField(
    keyIdRule,
    { minItems: 1, maxItems: 256 },
    { required: false, description: 'CKA_IDs (hex) of the keys to sync, at most 256; default: every key on the source.', example: ['01a2'] },
  )
  keyIds?: string[];

  @StringField(reasonRule, { description: 'Why: recorded in every member’s history and audit trail.', example: 'EJBCA CA renewal' })
  reason!: string;
}
