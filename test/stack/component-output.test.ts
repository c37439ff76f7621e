// npm start keeps the terminal for what needs a person; the rest goes to run/<component>.log.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { deservesTerminal, routeOutput } from '../../apps/stack/component-output';
import { waitFor } from '../support/wait-for';

const dir = mkdtempSync(join(tmpdir(), 'keysync-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('component output routing', () => {
  it('shows warnings, errors and non-log lines in the terminal, not info or debug', () => {
    expect(deservesTerminal('{"level":30,"msg":"workers polling"}')).toBe(false);
    expect(deservesTerminal('{"level":20,"msg":"debug"}')).toBe(false);
    expect(deservesTerminal('{"level":40,"msg":"No workflows registered"}')).toBe(true);
    expect(deservesTerminal('{"level":50,"msg":"boom"}')).toBe(true);
    expect(deservesTerminal('Error: Cannot find module x')).toBe(true);
    expect(deservesTerminal('   ')).toBe(false);
  });

  it('writes every byte to the log file and the chosen lines, prefixed, to the terminal, across chunk boundaries', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let shown = '';
    const terminal = new Writable({
      write(chunk: Buffer, _encoding, done) {
        shown += chunk.toString('utf8');
        done();
      },
    });
    const logFile = join(dir, 'worker.log');
    routeOutput('worker', [stdout, stderr], logFile, terminal);
    stdout.write('{"level":30,"msg":"in');
    stdout.write('fo"}\n{"level":50,"msg":"err');
    stdout.end('or"}\n');
    stderr.end('TypeError: x is not a function');

    const everything = '{"level":30,"msg":"info"}\n{"level":50,"msg":"error"}\nTypeError: x is not a function';
    await waitFor(() => readFileSync(logFile, 'utf8').length === everything.length, { description: 'the log file to be complete' });
    expect(readFileSync(logFile, 'utf8').split('\n').sort()).toEqual(everything.split('\n').sort());
    expect(shown).toBe('[worker] {"level":50,"msg":"error"}\n[worker] TypeError: x is not a function\n');
  });
});
