// A repair: a keySync of one member onto itself that packages exactly the keys it holds in
// identical surplus copies; the member's import (approved under its sync policy, like any sync to
// it) removes those copies and reports how many. Copies that differ are a conflict and are left
// alone. The operation is a sync id (sync:<cluster>:<syncId>), so reading, approving, cancelling
// and auditing it take the same routes as a sync.
import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth-decorators';
import { MemberParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import { ApiInvalidInput, ApiJsonBody, ApiStateConflict, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import type { ApiResponse, Principal } from '../http/api-request';
import { operationLocation } from '../operations/operation-id';
import { StartedOperationDto } from '../operations/operation.dto';
import { idempotencyKeyHeader, idempotencyKeyProblem, syncIdFor } from '../syncs/sync-id';
import { OperationStarter } from '../temporal/operation-starter';
import { repairStart } from '../temporal/operation-starts';
import { RepairRequestDto } from './repair-request.dto';

@ApiTags('operations')
@Controller('clusters/:cluster/members')
export class RepairController {
  constructor(
    private readonly config: ApiConfig,
    private readonly starter: OperationStarter,
  ) {}

  @Post(':member/repair')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('operator')
  @ApiOperation({
    summary: 'Remove the identical surplus copies of keys on a member (drift state duplicated), with the sync approvals (operator).',
    description:
      'Starts a keySync of the member onto itself that packages only the keys it holds in identical copies; its import removes the surplus and reports copiesRemoved. Copies that differ are a conflict and are never removed. With nothing duplicated the operation completes with a message that there was nothing to repair.',
  })
  @ApiHeader(idempotencyKeyHeader)
  @ApiAcceptedResponse({ type: StartedOperationDto, description: 'Started (or found, for a retried request); Location points at the operation.' })
  @ApiInvalidInput('Also malformed-json.')
  @ApiUnknownId('cluster-not-found, member-not-found: no such cluster or member.')
  @ApiStateConflict('idempotency-conflict: the Idempotency-Key was used for a different request.')
  @ApiJsonBody()
  @ApiTemporalUnavailable()
  async repair(
    @Param() params: MemberParams,
    @Body() body: RepairRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: ApiResponse,
  ): Promise<StartedOperationDto> {
    const cluster = this.config.cluster(params.cluster);
    const member = this.config.member(cluster.id, params.member).id;
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) {
      throw ApiError.badRequest('invalid-input', `The request was refused: ${keyProblem.field} ${keyProblem.reason}. Fix it and send the request again.`, [keyProblem]);
    }

    const { operationId } = await this.starter.startOnce(
      repairStart({ cluster, syncId: syncIdFor(principal.id, idempotencyKey), member, requestedBy: principal.id, reason: body.reason }),
    );
    response.setHeader('location', operationLocation(operationId));
    return { operationId, kind: 'repair' };
  }
}
