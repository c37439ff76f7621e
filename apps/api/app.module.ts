// The root module: global validation, auth and error handling registered once, here, so no
// controller can forget them.
import { type DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import type { KeySyncConfig } from '../../libs/config/types';
import { AuditArchive } from '../../libs/audit-archive';
import { createPackageStore } from '../../libs/package-store';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { AuthGuard } from './auth/auth.guard';
import { AvailabilityController } from './availability/availability.controller';
import { ClustersController } from './clusters/clusters.controller';
import { CredentialsController } from './credentials/credentials.controller';
import { CredentialsService } from './credentials/credentials.service';
import { ApiConfig, type ApiRuntimeOptions } from './config/api-config';
import { ErrorFilter } from './errors/error-filter';
import { validationFailed } from './errors/validation-error';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { ApiLogger } from './logging/logger';
import { InventoryController } from './inventory/inventory.controller';
import { MeController } from './me/me.controller';
import { MembersController } from './members/members.controller';
import { RepairController } from './members/repair.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { ApprovalsService } from './operations/approvals.service';
import { HistoryService } from './operations/history.service';
import { OperationReader } from './operations/operation-reader';
import { OperationsController } from './operations/operations.controller';
import { OperationListController } from './operation-list/operation-list.controller';
import { ApiPackageStore } from './packages/api-package-store';
import { PackagesController } from './packages/packages.controller';
import { RetireController } from './retire/retire.controller';
import { SyncsController } from './syncs/syncs.controller';
import { OperationStarter } from './temporal/operation-starter';
import { TemporalGateway } from './temporal/temporal-gateway';

export const validationPipe = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // Surface every problem at once, but never echo the refused value back (it could be a secret).
    validationError: { target: false, value: false },
    exceptionFactory: validationFailed,
  });

@Module({})
export class AppModule {
  static forRoot(config: KeySyncConfig, logger: ApiLogger, runtime: ApiRuntimeOptions = {}): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, MeController, ClustersController, SyncsController, MembersController, RepairController, OperationListController, OperationsController, PackagesController, AuditController, AvailabilityController, MetricsController, InventoryController, RetireController, CredentialsController],
      providers: [
        { provide: ApiConfig, useValue: new ApiConfig(config, runtime) },
        { provide: ApiLogger, useValue: logger },
        TemporalGateway,
        HealthService,
        OperationStarter,
        OperationReader,
        ApprovalsService,
        CredentialsService,
        HistoryService,
        AuditService,
        MetricsService,
        // A folder or an S3 bucket; an S3 store's keys are read here, at start, so a missing source stops the API with its name.
        { provide: ApiPackageStore, useFactory: (api: ApiConfig) => createPackageStore(api.keysync.packageStore), inject: [ApiConfig] },
        { provide: AuditArchive, useFactory: (api: ApiConfig) => new AuditArchive(api.keysync.auditArchive.dir), inject: [ApiConfig] },
        { provide: APP_PIPE, useFactory: validationPipe },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
