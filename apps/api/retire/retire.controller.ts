// A retire (DESIGN 13): the key is found first on the members' own inventories (the API holds no
// HSM: a short clusterInventory workflow asks their agents), so an unknown id, an id with several
// classes or a key no member can export is refused before anything starts; then the retire
// workflow collects the approvals once, keeps a recovery package and destroys the key everywhere.
import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ClusterInventoryResult } from '../../../libs/contract/cluster-inventory';
import { locateRetireTarget } from '../../../libs/contract/retire';
import { KeyParams } from '../availability/availability.dto';
import { CurrentPrincipal, Roles } from '../auth/auth-decorators';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import { ApiInvalidInput, ApiJsonBody, ApiStateConflict, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import type { ApiResponse, Principal } from '../http/api-request';
import { operationLocation } from '../operations/operation-id';
import { StartedOperationDto } from '../operations/operation.dto';
import { idempotencyKeyHeader, idempotencyKeyProblem, syncIdFor } from '../syncs/sync-id';
import { OperationStarter } from '../temporal/operation-starter';
import { retireStart } from '../temporal/operation-starts';
import { runShortWorkflow } from '../temporal/run-short-workflow';
import { inventoryRun } from '../temporal/short-runs';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { RetireRequestDto } from './retire-request.dto';

@ApiTags('operations')
@Controller('clusters/:cluster/keys')
export class RetireController {
  constructor(
    private readonly config: ApiConfig,
    private readonly starter: OperationStarter,
    private readonly temporal: TemporalGateway,
  ) {}

  @Post(':keyId/retire')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('operator')
  @ApiOperation({
    summary: 'Retire a key: destroy it on every member, after approvals and a recovery package (operator).',
    description:
      'Approvals are collected once for the whole operation under policy retire (default 2 of the registered approvers, four eyes), with member * (GET /v1/operations/{operationId}/approvals/*/challenge; subject retire:<class>:<id>:<fingerprint>). ' +
      'Before anything is destroyed a recovery package of the key is exported and kept policy.retire.recoveryDays (default 30) days; the operation reports recoveryPackage {digest, expiresAt}. ' +
      'Then one memberRetire per member destroys the key there (private or secret key, public key, certificate) and proves it gone; a member whose agent is down completes when it is back. ' +
      'A tombstone keeps drift auto from bringing the key back; an explicit sync naming it (keyIds) or an upload of its recovery package restores it and lifts the tombstone.',
  })
  @ApiHeader(idempotencyKeyHeader)
  @ApiAcceptedResponse({ type: StartedOperationDto, description: 'Started (or found, for a retried request); Location points at the operation.' })
  @ApiInvalidInput('Also malformed-json.')
  @ApiUnknownId('cluster-not-found, key-not-found: no such cluster, or no member that answered holds a key with that id (and class).')
  @ApiStateConflict(
    'key-class-ambiguous: the id names keys of several classes (listed): say which with class. ' +
      'key-not-exportable: no member can export the key, so there would be no recovery package: send allowWithoutRecovery true to retire it anyway. ' +
      'key-differs: members hold different keys under this id: an operator must decide which is right first. ' +
      'idempotency-conflict: the Idempotency-Key was used for a different request.',
  )
  @ApiJsonBody()
  @ApiTemporalUnavailable('orchestrator-unavailable: no orchestrator answered the inventory in time.')
  async retire(
    @Param() params: KeyParams,
    @Body() body: RetireRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: ApiResponse,
  ): Promise<StartedOperationDto> {
    const cluster = this.config.cluster(params.cluster);
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) {
      throw ApiError.badRequest('invalid-input', `The request was refused: ${keyProblem.field} ${keyProblem.reason}. Fix it and send the request again.`, [keyProblem]);
    }
    const keyId = params.keyId.toLowerCase();
    const inventory = await runShortWorkflow<ClusterInventoryResult>(this.temporal, inventoryRun(cluster));
    const target = locateRetireTarget(inventory.members, keyId, body.class);
    const unreachable = inventory.members.filter((member) => member.keys === null).map((member) => member.member);
    if (target.found === 'none') {
      const which = body.class ? `${body.class} key` : 'key';
      const away = unreachable.length > 0 ? ` (${unreachable.join(', ')} did not answer: ask again once their agents run)` : '';
      throw ApiError.notFound('key-not-found', `Cluster ${cluster.id} has no ${which} with id ${keyId} on any member that answered${away}. Check the id with GET /v1/clusters/${cluster.id}/inventory.`);
    }
    if (target.found === 'several-classes') {
      throw ApiError.conflict('key-class-ambiguous', `Id ${keyId} names keys of several classes in cluster ${cluster.id}: ${target.classes.join(', ')}. Send class (${target.classes.join(' or ')}) to say which to retire.`);
    }
    if (target.found === 'different-keys') {
      throw ApiError.conflict(
        'key-differs',
        `Members of cluster ${cluster.id} hold different keys under id ${keyId} (fingerprints ${target.fingerprints.join(', ')}): decide which is right and resolve the conflict before retiring it.`,
      );
    }
    if (!target.exportable && body.allowWithoutRecovery !== true) {
      throw ApiError.conflict(
        'key-not-exportable',
        `Key ${target.key.label} (${target.key.class} ${keyId}) is not exportable on any member (CKA_EXTRACTABLE false), so no recovery package can be kept and the retire could never be undone. Send allowWithoutRecovery: true to retire it anyway.`,
      );
    }

    const { operationId } = await this.starter.startOnce(
      retireStart({
        cluster,
        retireId: syncIdFor(principal.id, idempotencyKey),
        key: target.key,
        exportable: target.exportable,
        holders: target.holders,
        allowWithoutRecovery: body.allowWithoutRecovery === true,
        requestedBy: principal.id,
        reason: body.reason,
      }),
    );
    response.setHeader('location', operationLocation(operationId));
    return { operationId, kind: 'retire' };
  }
}
