// A real webhook receiver for tests: an HTTP server in the test process that records every request
// (headers and the exact body bytes) and answers what the test sets: e.g. 503 while it plays a
// receiver that is down, then 200 once it is back.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived (what a signature covers). */
  body: string;
  /** The status this receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** The requests it answered with a 2xx. */
  delivered(): ReceivedRequest[];
  /** The status answered from now on. */
  answer(status: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks/keysync', initialStatus = 200): Promise<WebhookReceiver> {
  let status = initialStatus;
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    delivered: () => requests.filter((request) => request.status >= 200 && request.status < 300),
    answer: (next) => {
      status = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
