// The seed's manual path: download a package on one side, upload it for a member the source
// cannot reach. An upload starts a memberSync of its own; its id derives from the package digest
// and the member, so uploading the same file twice starts nothing new.
import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BlobDigestMismatchError, BlobNotFoundError } from '../../../libs/package-store';
import { CurrentPrincipal, Roles } from '../auth/auth-decorators';
import { MemberParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import { ApiInvalidInput, ApiPackageBody, ApiPackageStoreOrTemporalUnavailable, ApiPackageStoreUnavailable, ApiStateConflict, ApiUnknownId } from '../openapi/error-answers';
import type { ApiRequest, ApiResponse, Principal } from '../http/api-request';
import { operationLocation } from '../operations/operation-id';
import { StartedOperationDto } from '../operations/operation.dto';
import { OperationStarter } from '../temporal/operation-starter';
import { uploadStart } from '../temporal/operation-starts';
import { ApiPackageStore } from './api-package-store';
import { PackageDigestParams, PackageUploadQuery } from './package-params.dto';
import { checkUploadedPackage } from './package-upload';

export const packageMediaType = 'application/octet-stream';

@ApiTags('packages')
@Controller()
export class PackagesController {
  constructor(
    private readonly config: ApiConfig,
    private readonly store: ApiPackageStore,
    private readonly starter: OperationStarter,
  ) {}

  @Get('packages/:digest')
  @Roles('operator')
  @ApiOperation({ summary: 'Download a package: wrapped keys and public data only (operator).' })
  // The file is the 200's only; every error is the JSON error body, so no @ApiProduces for all.
  @ApiOkResponse({ description: 'The package file, named by its digest.', content: { [packageMediaType]: { schema: { type: 'string', format: 'binary' } } } })
  @ApiInvalidInput()
  @ApiUnknownId('package-not-found: no package with that digest.')
  @ApiStateConflict('package-altered: the stored file no longer hashes to its digest (changed after it was written); nothing is served. Export the package again.')
  @ApiPackageStoreUnavailable()
  async download(@Param() params: PackageDigestParams, @Res({ passthrough: true }) response: ApiResponse): Promise<StreamableFile> {
    let bytes: Buffer;
    try {
      bytes = await this.store.get(params.digest);
    } catch (error) {
      if (error instanceof BlobNotFoundError) {
        throw ApiError.notFound('package-not-found', `There is no package ${params.digest} in the store. Use the digest an operation reports under package.digest.`);
      }
      if (error instanceof BlobDigestMismatchError) {
        // An altered file is never served: an import would refuse it anyway, after the operator fetched it.
        throw ApiError.conflict('package-altered', `Package ${params.digest} in the store no longer matches its digest: it was changed after it was written. Export the package again (start a new sync).`);
      }
      throw error;
    }
    response.setHeader('content-disposition', `attachment; filename="${params.digest}.ksp"`);
    return new StreamableFile(bytes, { type: packageMediaType, length: bytes.length });
  }

  @Post('clusters/:cluster/members/:member/packages')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('operator')
  @ApiOperation({ summary: 'Upload a package file to import on that member: starts a memberSync (operator).' })
  @ApiConsumes(packageMediaType)
  @ApiBody({ description: 'The package file, as downloaded.', schema: { type: 'string', format: 'binary' } })
  @ApiAcceptedResponse({ type: StartedOperationDto })
  @ApiInvalidInput('Also not-a-package, tampered-package (the file does not hash to digest), wrong-cluster, expired-package: nothing is imported.')
  @ApiUnknownId('cluster-not-found, member-not-found: no such cluster or member.')
  @ApiPackageBody()
  @ApiPackageStoreOrTemporalUnavailable()
  async upload(
    @Param() params: MemberParams,
    @Query() query: PackageUploadQuery,
    @Req() request: ApiRequest,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: ApiResponse,
  ): Promise<StartedOperationDto> {
    const cluster = this.config.cluster(params.cluster);
    this.config.member(cluster.id, params.member);
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'unsupported-media-type',
        `Send the package file itself as the body, with Content-Type: ${packageMediaType} (curl --data-binary @<digest>.ksp).`,
      );
    }
    const file = checkUploadedPackage(request.body, query.digest, cluster.id);
    const stored = await this.store.put(request.body);
    const reason = query.reason ?? `package ${stored.digest.slice(0, 12)} uploaded for ${params.member}`;
    const { operationId } = await this.starter.startOnce(uploadStart({ cluster, member: params.member, file, stored, requestedBy: principal.id, reason }));
    response.setHeader('location', operationLocation(operationId));
    return { operationId, kind: 'sync' };
  }
}
