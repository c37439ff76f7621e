// The worker sizes libuv's thread pool to its node agents (libs/hsm/thread-pool.ts), so every
// agent's *Async PKCS#11 call gets a thread. libuv reads the size once, when the pool starts: the
// child-process test proves that setting it from code before that moment gives the pool that many
// threads, which is what the worker's main relies on. It runs the compiled helper, as the worker
// does: a TypeScript loader (tsx) would start the pool before the first line of the script.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../libs/config/paths';
import { hsmThreadPoolSize, sizeThreadPoolForAgents } from '../../libs/hsm/thread-pool';

describe('sizeThreadPoolForAgents', () => {
  it("gives one thread per agent on top of libuv's default four", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(sizeThreadPoolForAgents(33, env)).toBe(37);
    expect(env.UV_THREADPOOL_SIZE).toBe('37');
    expect(hsmThreadPoolSize(0)).toBe(4);
  });

  it("keeps an operator's UV_THREADPOOL_SIZE", () => {
    const env: NodeJS.ProcessEnv = { UV_THREADPOOL_SIZE: '6' };
    expect(sizeThreadPoolForAgents(33, env)).toBe(6);
    expect(env.UV_THREADPOOL_SIZE).toBe('6');
  });

  it('stays far under libuv’s limit for very many agents', () => {
    expect(hsmThreadPoolSize(5000)).toBe(128);
  });

  it('takes effect in a process that sets it before its first pooled call', () => {
    const compiled = join(repoRoot(), 'dist', 'libs', 'hsm', 'thread-pool.js');
    const builtAt = statSync(compiled, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (builtAt < statSync(join(repoRoot(), 'libs', 'hsm', 'thread-pool.ts')).mtimeMs) throw new Error(`${compiled} is missing or older than its source: run \`npm run build\` (npm test does it) before this test.`);
    // A fresh Node process; its pool starts at the stat.
    const script = `
      const { readdirSync, promises } = require('node:fs');
      const { sizeThreadPoolForAgents } = require(${JSON.stringify(compiled)});
      const before = readdirSync('/proc/self/task').length;
      sizeThreadPoolForAgents(12);
      promises.stat(process.execPath).then(() => setTimeout(() => process.stdout.write(String(readdirSync('/proc/self/task').length - before)), 100));
    `;
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    const added = Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }));
    expect(added).toBe(16);
  });
});
