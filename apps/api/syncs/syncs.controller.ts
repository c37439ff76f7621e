import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiHeader, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { KeySyncInput } from '../../../workflows/types';
import { keySyncWorkflowId } from '../../../workflows/messages';
import { workflowTypes } from '../../../workflows/queues';
import { CurrentPrincipal, Roles } from '../auth/auth-decorators';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import { ErrorBodyDto } from '../errors/error-body.dto';
import type { ApiResponse, Principal } from '../http/api-request';
import { operationLocation } from '../operations/operation-id';
import { StartedOperationDto } from '../operations/operation.dto';
import { clusterSnapshot } from '../temporal/cluster-snapshot';
import { OperationStarter } from '../temporal/operation-starter';
import { idempotencyKeyHeader, idempotencyKeyProblem, syncIdFor } from './sync-id';
import { SyncRequestDto } from './sync-request.dto';

@ApiTags('operations')
@Controller('clusters/:cluster/syncs')
export class SyncsController {
  constructor(
    private readonly config: ApiConfig,
    private readonly starter: OperationStarter,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('operator')
  @ApiOperation({ summary: 'Start a key sync from a source member to the others (operator).' })
  @ApiHeader(idempotencyKeyHeader)
  @ApiAcceptedResponse({ type: StartedOperationDto, description: 'Started (or found, for a retried request); Location points at the operation.' })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such cluster.' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The Idempotency-Key was used for a different request.' })
  async start(
    @Param() params: ClusterParams,
    @Body() body: SyncRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: ApiResponse,
  ): Promise<StartedOperationDto> {
    const cluster = this.config.cluster(params.cluster);
    const members = cluster.members.map((member) => member.id);
    const targets = body.targets ?? members.filter((member) => member !== body.source);
    const problems: { field: string; reason: string }[] = [];
    if (!members.includes(body.source)) problems.push({ field: 'source', reason: `is not a member of ${cluster.id} (members: ${members.join(', ')})` });
    for (const target of targets) {
      if (!members.includes(target)) problems.push({ field: 'targets', reason: `${target} is not a member of ${cluster.id}` });
      if (target === body.source) problems.push({ field: 'targets', reason: `${target} is the source` });
    }
    if (new Set(targets).size !== targets.length) problems.push({ field: 'targets', reason: 'repeat a member' });
    if (targets.length === 0) problems.push({ field: 'targets', reason: 'leave no member to sync to' });
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) problems.push(keyProblem);
    if (problems.length > 0) {
      const summary = problems.map((problem) => `${problem.field} ${problem.reason}`).join('; ');
      throw ApiError.badRequest('invalid-input', `The request was refused: ${summary}. Fix these fields and send it again.`, problems);
    }

    // Same principal + key -> same syncId -> same workflow id: Temporal itself refuses a second start.
    const workflowId = keySyncWorkflowId(cluster.id, syncIdFor(principal.id, idempotencyKey));
    const input: KeySyncInput = {
      cluster: clusterSnapshot(cluster),
      source: body.source,
      ...(body.targets ? { targets: body.targets } : {}),
      ...(body.keyIds ? { keyIds: body.keyIds.map((id) => id.toLowerCase()) } : {}),
      requestedBy: principal.id,
      reason: body.reason,
    };
    const { operationId } = await this.starter.startOnce({
      workflowType: workflowTypes.keySync,
      workflowId,
      args: [input],
      request: { cluster: cluster.id, source: body.source, targets: body.targets ?? null, keyIds: input.keyIds ?? null, reason: body.reason },
      memo: { requestedBy: principal.id, cluster: cluster.id, members: [body.source, ...targets] },
      kind: 'sync',
      reusePolicy: 'REJECT_DUPLICATE',
    });
    response.setHeader('location', operationLocation(operationId));
    return { operationId, kind: 'sync' };
  }
}
