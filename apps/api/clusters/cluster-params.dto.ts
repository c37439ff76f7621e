// Path parameters shared by the cluster routes: validated like bodies, so a malformed id is a
// 400 that says what an id looks like, not a lookup that cannot succeed.
import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** Cluster and member ids: what a Temporal workflow id and a task queue name can safely hold. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const idRule = 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

export class ClusterParams {
  @ApiProperty({ description: 'Cluster id.', example: 'demo' })
  @Matches(idPattern, { message: idRule })
  cluster!: string;
}

export class MemberParams extends ClusterParams {
  @ApiProperty({ description: 'Member id.', example: 'node2' })
  @Matches(idPattern, { message: idRule })
  member!: string;
}
