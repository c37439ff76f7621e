import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { describeProblems, syncRequestProblems, syncTargets } from '../../../libs/contract/request-rules';
import { CurrentPrincipal, Roles } from '../auth/auth-decorators';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import { ApiInvalidInput, ApiJsonBody, ApiStateConflict, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import type { ApiResponse, Principal } from '../http/api-request';
import { operationLocation } from '../operations/operation-id';
import { StartedOperationDto } from '../operations/operation.dto';
import { OperationStarter } from '../temporal/operation-starter';
import { syncStart } from '../temporal/operation-starts';
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
  @ApiInvalidInput('Also malformed-json, and a request its cluster refuses (a target that is the source, or none left).')
  @ApiUnknownId('cluster-not-found, member-not-found: no such cluster, or a source or target that is not one of its members.')
  @ApiStateConflict('idempotency-conflict: the Idempotency-Key was used for a different request.')
  @ApiJsonBody()
  @ApiTemporalUnavailable()
  async start(
    @Param() params: ClusterParams,
    @Body() body: SyncRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: ApiResponse,
  ): Promise<StartedOperationDto> {
    const cluster = this.config.cluster(params.cluster);
    // An id the cluster does not have is a 404, as everywhere (DESIGN section 7), before the request's own rules.
    for (const member of [body.source, ...(body.targets ?? [])]) this.config.member(cluster.id, member);
    const members = cluster.members.map((member) => member.id);
    // The workflow checks its input with the same rules: here they answer 400 before anything starts.
    const request = { source: body.source, targets: body.targets, requestedBy: principal.id };
    const targets = syncTargets(request, members);
    const problems = syncRequestProblems(request, { id: cluster.id, members });
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) problems.push(keyProblem);
    if (problems.length > 0) {
      throw ApiError.badRequest('invalid-input', `The request was refused: ${describeProblems(problems)}. Fix these fields and send it again.`, problems);
    }

    // Same principal + key -> same syncId -> same workflow id: Temporal itself refuses a second start.
    const { operationId } = await this.starter.startOnce(
      syncStart({
        cluster,
        syncId: syncIdFor(principal.id, idempotencyKey),
        source: body.source,
        targets: body.targets,
        resolvedTargets: targets,
        keyIds: body.keyIds,
        requestedBy: principal.id,
        reason: body.reason,
      }),
    );
    response.setHeader('location', operationLocation(operationId));
    return { operationId, kind: 'sync' };
  }
}
