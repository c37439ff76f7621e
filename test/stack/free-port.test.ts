// freePort picks listening ports below the OS's ephemeral range: a port from that range can be taken
// as the local port of any outgoing connection between the check and the server's bind.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralRangeStart, freePort } from '../../libs/config/ports';

function listen(port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(() => new Promise((closed) => server.close(() => closed()))));
  });
}

describe('freePort', () => {
  it("gives ports below the OS's ephemeral range that a server can listen on, never the same one twice", async () => {
    const ephemeralFrom = ephemeralRangeStart();
    expect(ephemeralFrom).toBeGreaterThan(21_000);
    const given = new Set<number>();
    for (let sample = 0; sample < 20; sample += 1) {
      const port = await freePort();
      expect(given.has(port)).toBe(false);
      given.add(port);
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralFrom);
      const close = await listen(port);
      await close();
    }
  });
});
