// What `--wait` asks of the API: a poller that reads every interval accepts a view as old as one
// interval (Cache-Control: max-age), which the API may answer from the workflows it follows; a
// single `status` read asks for the current view. The API's side is test/api/followed-reads.test.ts;
// here an HTTP server on loopback records the requests the CLI's client sends.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../apps/cli/api-client';
import { Output } from '../../apps/cli/output';
import { waitForOperation } from '../../apps/cli/wait-for-operation';

const finished = {
  operationId: 'sync:c1:0b8a3c2e-3f8d-4c53-9a51-5f1e3e0b2b11',
  kind: 'sync',
  cluster: 'c1',
  requestedBy: 'operator',
  state: 'completed',
  package: null,
  members: [{ member: 'node2', state: 'in-sync', keysImported: 1, keysSkipped: 0, attempts: 1 }],
  notExportable: [],
};

describe('the CLI reading an operation', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A server that answers every read with a finished operation and keeps each request's headers. */
  async function recordingApi(): Promise<{ api: ApiClient; requests: IncomingHttpHeaders[] }> {
    const requests: IncomingHttpHeaders[] = [];
    server = createServer((request, response) => {
      requests.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(finished));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { api: new ApiClient({ baseUrl: `http://127.0.0.1:${port}` }), requests };
  }

  it('--wait polling every second accepts a view a second old; every two seconds, two', async () => {
    const { api, requests } = await recordingApi();
    const out = new Output({ json: false, stdout: new PassThrough(), env: {} });
    await waitForOperation(api, finished.operationId, out);
    await waitForOperation(api, finished.operationId, out, { intervalMs: 2_000 });
    expect(requests.map((headers) => headers['cache-control'])).toEqual(['max-age=1', 'max-age=2']);
  });

  it('a single read asks for the current view', async () => {
    const { api, requests } = await recordingApi();
    await api.operation(finished.operationId);
    expect(requests).toHaveLength(1);
    expect(requests[0]!['cache-control']).toBeUndefined();
  });
});
