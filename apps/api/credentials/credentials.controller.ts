import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Roles } from '../auth/auth-decorators';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { WorkflowHistoryDto } from '../operations/approval.dto';
import type { Principal } from '../http/api-request';
import { ApiInvalidInput, ApiJsonBody, ApiStateConflict, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import { ApproverParams, CredentialDto, CredentialListDto, CredentialParams, RegisterCredentialDto, RegistrationOptionsDto } from './credentials.dto';
import { CredentialsService } from './credentials.service';

@ApiTags('credentials')
@Controller('clusters/:cluster/approvers')
@ApiInvalidInput()
@ApiUnknownId('cluster-not-found: no such cluster.')
@ApiTemporalUnavailable('orchestrator-unavailable: no orchestrator worker answered.')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Get('credentials')
  @Authenticated()
  @ApiOperation({ summary: 'Every approver’s security key credentials and their state: pending, confirmed or revoked (any role).' })
  @ApiOkResponse({ type: CredentialListDto })
  async list(@Param() params: ClusterParams): Promise<CredentialListDto> {
    return { credentials: await this.credentials.list(params.cluster) };
  }

  @Get('credentials/history')
  @Roles('auditor')
  @ApiOperation({ summary: 'The credential store’s workflow history: who registered, confirmed and revoked each security key, for replay and the offline audit (auditor).' })
  @ApiOkResponse({ type: WorkflowHistoryDto })
  @ApiUnknownId('cluster-not-found; credentials-not-found: no security key was ever registered in the cluster.')
  async history(@Param() params: ClusterParams): Promise<WorkflowHistoryDto> {
    return this.credentials.history(params.cluster);
  }

  @Post(':approverId/credentials/options')
  @HttpCode(HttpStatus.OK)
  @Roles('approver')
  @ApiOperation({ summary: 'Options for navigator.credentials.create to register a security key (approver, for oneself).' })
  @ApiOkResponse({ type: RegistrationOptionsDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'not-this-approver, not-a-registered-approver.' })
  @ApiStateConflict('webauthn-not-configured: the cluster has no webauthn configuration.')
  async options(@Param() params: ApproverParams, @CurrentPrincipal() principal: Principal): Promise<RegistrationOptionsDto> {
    return this.credentials.options(params.cluster, params.approverId, principal);
  }

  @Post(':approverId/credentials')
  @Roles('approver')
  @ApiOperation({ summary: 'Register a security key, pending until an admin confirms it (approver, for oneself).' })
  @ApiCreatedResponse({ type: CredentialDto, description: 'Recorded pending.' })
  @ApiInvalidInput('invalid-registration: the challenge, client data, origin, RP id, flags or key was wrong; the message names which.')
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'not-this-approver, not-a-registered-approver.' })
  @ApiStateConflict('credential-exists: that credential is registered already; webauthn-not-configured.')
  @ApiJsonBody()
  async register(@Param() params: ApproverParams, @Body() body: RegisterCredentialDto, @CurrentPrincipal() principal: Principal): Promise<CredentialDto> {
    return this.credentials.register(params.cluster, params.approverId, body, principal);
  }

  @Post(':approverId/credentials/:credentialId/confirm')
  @HttpCode(HttpStatus.OK)
  @Roles('admin')
  @ApiOperation({ summary: 'Confirm a pending security key: from now on it approves (admin; recorded with who and when).' })
  @ApiOkResponse({ type: CredentialDto })
  @ApiUnknownId('credential-unknown: no such credential for that approver.')
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'credential-self-confirm: an admin cannot confirm a credential of their own.' })
  @ApiStateConflict('credential-wrong-state: it is not pending.')
  async confirm(@Param() params: CredentialParams, @CurrentPrincipal() principal: Principal): Promise<CredentialDto> {
    return this.credentials.decide('confirm', params.cluster, params.approverId, params.credentialId, principal);
  }

  @Post(':approverId/credentials/:credentialId/revoke')
  @HttpCode(HttpStatus.OK)
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke a security key: it approves nothing from now on (admin; recorded with who and when).' })
  @ApiOkResponse({ type: CredentialDto })
  @ApiUnknownId('credential-unknown: no such credential for that approver.')
  @ApiStateConflict('credential-wrong-state: it is revoked already.')
  async revoke(@Param() params: CredentialParams, @CurrentPrincipal() principal: Principal): Promise<CredentialDto> {
    return this.credentials.decide('revoke', params.cluster, params.approverId, params.credentialId, principal);
  }
}
