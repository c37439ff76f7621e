// A mutual-TLS terminator in front of a plaintext server, as a sidecar or a load balancer does in
// production: it accepts only TLS clients whose certificate its CA signed (requestCert,
// rejectUnauthorized), offers HTTP/2 by ALPN (gRPC needs it), and pipes each accepted connection
// to the plaintext port. The Temporal CLI's dev server cannot terminate TLS itself, so the TLS
// tests put this in front of it: what runs over TLS is the client's side (the SDK's TLS settings,
// certificate checks, refusals); the dev server behind it still speaks plaintext on loopback.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';

export interface TlsTerminator {
  /** 127.0.0.1:<port> of the TLS side. */
  address: string;
  /** Handshakes refused so far, with the reason Node gave (no certificate, unknown CA...). */
  refusals(): string[];
  close(): Promise<void>;
}

export async function startTlsTerminator(options: { upstream: string; certFile: string; keyFile: string; clientCaFile: string }): Promise<TlsTerminator> {
  const [host, port] = options.upstream.split(':') as [string, string];
  const refusals: string[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createServer(
    {
      cert: readFileSync(options.certFile),
      key: readFileSync(options.keyFile),
      ca: readFileSync(options.clientCaFile),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client) => {
      sockets.add(client);
      const upstream = connect({ host, port: Number(port) });
      client.pipe(upstream).pipe(client);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
      };
      client.on('error', end);
      client.on('close', end);
      upstream.on('error', end);
      upstream.on('close', end);
    },
  );
  server.on('tlsClientError', (error) => refusals.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: listening } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    refusals: () => [...refusals],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
