// Every way an API call can fail, as the CliError the command ends with: the API unreachable
// (exit 3), a refusal carrying the API's {code, message} and correlation id (exit 1), or an answer
// that is not JSON (not a KeySync API). Installed as openapi-fetch middleware, so a call that
// returns has an answer of the type the spec gives it.
import type { Middleware } from 'openapi-fetch';
import type { components } from '../../libs/api-client/openapi-types';
import { CliError, exitCodes } from './cli-error';

type ErrorBody = components['schemas']['ErrorBodyDto'];

export function failuresAsCliErrors(baseUrl: string): Middleware {
  return {
    onError: ({ error }) => unreachable(baseUrl, error),
    onResponse: async ({ request, response, options }) => {
      if (!response.ok) throw await refusal(request, response, baseUrl);
      if (options.parseAs === 'json' && !isJson(await response.clone().text())) {
        throw new CliError('bad-response', `${describe(request, baseUrl)} answered ${response.status} with a body that is not JSON. Is ${baseUrl} a KeySync API?`);
      }
      return undefined;
    },
  };
}

// Node's codes for a server certificate it cannot trust: a private CA the process does not know.
const UNTRUSTED_CERTIFICATE = new Set(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

function unreachable(baseUrl: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
  if (UNTRUSTED_CERTIFICATE.has(cause)) {
    return new CliError(
      'api-certificate-untrusted',
      `The KeySync API at ${baseUrl} answered with a TLS certificate this machine does not trust (${cause}). Set NODE_EXTRA_CA_CERTS to the PEM file of the CA that signed it (the file api.tls.certFile was issued by).`,
      exitCodes.unreachable,
    );
  }
  return new CliError(
    'api-unreachable',
    `Could not reach the KeySync API at ${baseUrl} (${cause}). Is the stack running (\`npm start\`)? Point --api or KEYSYNC_API_URL at it.`,
    exitCodes.unreachable,
  );
}

/** The API's error body as a CliError; a hint for 401 and 403. A proxy's answer may not be that body: each field is checked. */
async function refusal(request: Request, response: Response, baseUrl: string): Promise<CliError> {
  const body = parsed(await response.text().catch(() => '')) as Partial<Record<keyof ErrorBody, unknown>> | undefined;
  const code = typeof body?.code === 'string' ? body.code : `http-${response.status}`;
  let message = typeof body?.message === 'string' ? body.message : `${describe(request, baseUrl)} answered HTTP ${response.status}.`;
  if (response.status === 401) message += ' Pass a valid token with --token or KEYSYNC_TOKEN (or --as <principal> with the demo).';
  if (response.status === 403) message += ' Use the token of a principal with that role (--as, --token).';
  const extra: Record<string, unknown> = { status: response.status };
  if (typeof body?.correlationId === 'string') extra.correlationId = body.correlationId;
  if (Array.isArray(body?.details)) extra.details = body.details;
  return new CliError(code, message, exitCodes.failed, extra);
}

/** `GET /v1/operations/...`: the request as a message names it, its path as the spec does (after the base URL). */
function describe(request: Request, baseUrl: string): string {
  const url = new URL(request.url);
  const path = request.url.startsWith(baseUrl) ? request.url.slice(baseUrl.length) : `${url.pathname}${url.search}`;
  return `${request.method} ${path}`;
}

function parsed(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
