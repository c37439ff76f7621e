// The body of POST /v1/clusters/{cluster}/members: each field validated and documented by the
// same decorator.
import { StringField } from '../validation/fields';
import { idRule, reasonRule } from '../validation/rules';

export class JoinRequestDto {
  @StringField(idRule, { description: 'The member that joins: configured in the cluster, its token still without the cluster secrets.', example: 'node3' })
  member!: string;

  @StringField(idRule, { description: 'A member that holds the cluster secrets and hands them over: another member than the one that joins (400 otherwise).', example: 'node1' })
  sponsor!: string;

  @StringField(reasonRule, { required: false, description: 'Why: recorded in the history and the audit trail.', example: 'new appliance in rack 2' })
  reason?: string;
}
