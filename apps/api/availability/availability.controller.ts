// The availability gate (DESIGN section 7): a CA renewal script or a change tool asks whether a
// key is on every member, and may wait (bounded) until it is. The API holds no HSM and no state:
// it runs a short keyAvailability workflow on the orchestrator, which asks every member's agent,
// and answers with that workflow's result.
import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { KeyAvailabilityResult } from '../../../libs/contract/key-availability';
import { Authenticated, CurrentPrincipal } from '../auth/auth-decorators';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { ApiInvalidInput, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import type { Principal } from '../http/api-request';
import { runShortWorkflow } from '../temporal/run-short-workflow';
import { availabilityRun } from '../temporal/short-runs';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { AvailabilityQueryDto, KeyAvailabilityDto, KeyParams, maxWaitSeconds, waitSeconds } from './availability.dto';

@ApiTags('clusters')
@Authenticated()
@Controller('clusters')
export class AvailabilityController {
  constructor(
    private readonly config: ApiConfig,
    private readonly temporal: TemporalGateway,
  ) {}

  @Get(':cluster/keys/:keyId/availability')
  @ApiOperation({
    summary: 'Whether a key is on every member; with wait, answers as soon as it is, or with who lacks it when the wait ends (any role; sync=true: operator).',
  })
  @ApiOkResponse({ type: KeyAvailabilityDto, description: 'available tells whether the key is usable everywhere.' })
  @ApiInvalidInput()
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'forbidden: sync=true starts a key sync, which needs the role operator.' })
  @ApiUnknownId('cluster-not-found: no such cluster.')
  @ApiTemporalUnavailable('orchestrator-unavailable: no orchestrator answered in time.')
  async availability(@Param() params: KeyParams, @Query() query: AvailabilityQueryDto, @CurrentPrincipal() principal: Principal): Promise<KeyAvailabilityDto> {
    const cluster = this.config.cluster(params.cluster);
    const wait = waitSeconds(query.wait);
    if (wait === null) {
      throw ApiError.badRequest('invalid-input', `wait is at most ${maxWaitSeconds}s: ask again when it ends.`, [{ field: 'wait', reason: `must be at most ${maxWaitSeconds}s` }]);
    }
    const sync = query.sync === 'true';
    if (sync && !principal.roles.includes('operator')) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'forbidden',
        `sync=true starts a key sync, which needs the role operator; principal "${principal.id}" has ${principal.roles.join(', ') || 'no roles'}. Ask without sync, or with an operator's token.`,
      );
    }
    const check = { cluster, keyId: params.keyId.toLowerCase(), waitSeconds: wait, sync, requestedBy: principal.id };
    return runShortWorkflow<KeyAvailabilityResult>(this.temporal, availabilityRun(check));
  }
}
