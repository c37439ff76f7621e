// The body of POST /v1/clusters/{cluster}/keys/{keyId}/retire (DESIGN 13): each field validated
// and documented by the same decorator.
import { keyClasses } from '../../../libs/contract/keys';
import { BooleanField, EnumField, StringField } from '../validation/fields';
import { reasonRule } from '../validation/rules';

export class RetireRequestDto {
  @StringField(reasonRule, { description: 'Why: recorded in the retire’s history, every member’s audit trail and the tombstone.', example: 'CA key compromised' })
  reason!: string;

  @EnumField(keyClasses, { required: false, description: 'Which key, when the id names keys of several classes (409 otherwise, listing them).', example: 'private' })
  class?: (typeof keyClasses)[number];

  @BooleanField({
    required: false,
    description: 'Retire a key no member can export (CKA_EXTRACTABLE false), so without a recovery package: it cannot be restored. Default false (409 for such a key).',
    example: false,
  })
  allowWithoutRecovery?: boolean;
}
