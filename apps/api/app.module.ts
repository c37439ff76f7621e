// The root module: global validation, auth and error handling registered once, here, so no
// controller can forget them.
import { type DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import type { KeySyncConfig } from '../../libs/config/types';
import { AuthGuard } from './auth/auth.guard';
import { ClustersController } from './clusters/clusters.controller';
import { ApiConfig } from './config/api-config';
import { ErrorFilter } from './errors/error-filter';
import { validationFailed } from './errors/validation-error';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { ApiLogger } from './logging/logger';
import { TemporalClientCloser, temporalClientProvider } from './temporal/temporal-client.provider';

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
  static forRoot(config: KeySyncConfig, logger: ApiLogger): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, ClustersController],
      providers: [
        { provide: ApiConfig, useValue: new ApiConfig(config) },
        { provide: ApiLogger, useValue: logger },
        temporalClientProvider,
        TemporalClientCloser,
        HealthService,
        { provide: APP_PIPE, useFactory: validationPipe },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
