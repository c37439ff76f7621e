// A component's output goes whole to run/<component>.log; the terminal gets only what needs a
// person: warnings and errors (pino level 40 and up) and anything that is not a log line at all,
// such as a crash's stack trace. So the banner stays readable and nothing is lost.
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

const PINO_WARN = 40;

export function deservesTerminal(line: string): boolean {
  if (line.trim() === '') return false;
  try {
    const parsed = JSON.parse(line) as { level?: unknown };
    return typeof parsed.level !== 'number' || parsed.level >= PINO_WARN;
  } catch {
    return true;
  }
}

/** Sends `streams` to `logFile`, echoing the lines that deserve it to `terminal` with a `[name]` prefix. */
export function routeOutput(name: string, streams: Array<Readable | null>, logFile: string, terminal: NodeJS.WritableStream = process.stderr): void {
  const log = createWriteStream(logFile, { flags: 'a' });
  let open = 0;
  for (const stream of streams) {
    if (!stream) continue;
    open += 1;
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      log.write(chunk);
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (deservesTerminal(line)) terminal.write(`[${name}] ${line}\n`);
    });
    stream.once('end', () => {
      if (deservesTerminal(pending)) terminal.write(`[${name}] ${pending}\n`);
      open -= 1;
      if (open === 0) log.end();
    });
  }
}
