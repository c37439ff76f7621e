// The body of POST /v1/clusters/{cluster}/members/{member}/repair: the member and cluster are in
// the path, so the body is only the reason, validated like a sync's.
import { StringField } from '../validation/fields';
import { reasonRule } from '../validation/rules';

export class RepairRequestDto {
  @StringField(reasonRule, { description: 'Why: recorded in the member’s history and audit trail.', example: 'duplicates left by overlapping syncs' })
  reason!: string;
}
