// Path parameters shared by the cluster routes: validated like bodies, so a malformed id is a
// 400 that says what an id looks like, not a lookup that cannot succeed.
import { StringField } from '../validation/fields';
import { idRule } from '../validation/rules';

export class ClusterParams {
  @StringField(idRule, { description: 'Cluster id.', example: 'demo' })
  cluster!: string;
}

export class MemberParams extends ClusterParams {
  @StringField(idRule, { description: 'Member id.', example: 'node2' })
  member!: string;
}
