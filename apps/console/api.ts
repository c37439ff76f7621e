// The console's client of the REST API: openapi-fetch over the types generated from openapi.json
// (libs/api-client), same origin as the page, the signed-in principal's bearer token on every
// request. A refusal becomes an ApiFailure carrying the API's own message, which pages show as is.
import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import type { components, paths } from '../../libs/api-client/openapi-types';

export type Schemas = components['schemas'];
export type Api = Client<paths>;

export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly correlationId?: string,
  ) {
    super(message);
  }
}

/** Called when the API refuses the token (401): the session is over. */
let onUnauthenticated: (message: string) => void = () => undefined;
export function whenUnauthenticated(handler: (message: string) => void): void {
  onUnauthenticated = handler;
}

export function apiClient(token: string): Api {
  const client = createClient<paths>({ baseUrl: window.location.origin, headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
  return client;
}

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  correlationId?: unknown;
}

/** The failure an answer that is not 2xx stands for, with the API's message when it sent one. */
export function failureOf(response: Response, body: unknown): ApiFailure {
  const error = (body ?? {}) as ErrorBody;
  const message = typeof error.message === 'string' ? error.message : `The API answered ${response.status} ${response.statusText}.`;
  const failure = new ApiFailure(message, response.status, typeof error.code === 'string' ? error.code : `http-${response.status}`, typeof error.correlationId === 'string' ? error.correlationId : undefined);
  if (response.status === 401) onUnauthenticated(message);
  return failure;
}

/** The answer of a call, or the ApiFailure of its refusal. */
export async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    throw new ApiFailure(`The API could not be reached (${error instanceof Error ? error.message : String(error)}). Is the server running?`, 0, 'unreachable');
  }
  if (!result.response.ok) throw failureOf(result.response, result.error);
  if (result.data === undefined) throw new ApiFailure(`${result.response.url} answered ${result.response.status} without a body.`, result.response.status, 'empty-answer');
  return result.data;
}

