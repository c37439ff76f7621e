// What the API's middleware and guard add to a request, typed once for every consumer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Role } from '../../../libs/config/types';

export interface Principal {
  id: string;
  roles: Role[];
}

export type ApiRequest = IncomingMessage & {
  /** The correlation id: the caller's x-request-id when it is sane, else a new UUID. */
  id: string;
  principal?: Principal;
  body?: unknown;
  originalUrl?: string;
  path?: string;
};

export type ApiResponse = ServerResponse;
