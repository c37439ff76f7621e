// The Temporal client, injected by its own class. The connection is lazy so the API starts (and
// its health endpoint can say so) while Temporal is still down; gRPC reconnects by itself.
import { Injectable, type OnApplicationShutdown, type FactoryProvider } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { ApiConfig } from '../config/api-config';
import { ApiLogger } from '../logging/logger';

export const temporalClientProvider: FactoryProvider<Client> = {
  provide: Client,
  inject: [ApiConfig],
  useFactory: (config: ApiConfig) =>
    new Client({ connection: Connection.lazy({ address: config.temporal.address }), namespace: config.temporal.namespace }),
};

/** Closes the connection when Nest shuts down (SIGTERM with enableShutdownHooks, or app.close()). */
@Injectable()
export class TemporalClientCloser implements OnApplicationShutdown {
  constructor(
    private readonly client: Client,
    private readonly log: ApiLogger,
  ) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    this.log.pino.info({ signal }, 'api stopping: closing the Temporal connection');
    await this.client.connection.close();
  }
}
