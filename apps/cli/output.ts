// Where the CLI's words go: JSON for scripts (--json), text for people; colours and live redraw
// only when stdout is a terminal, plain lines otherwise (a log file or a pipe reads cleanly).
import type { Writable } from 'node:stream';

export interface OutputOptions {
  json: boolean;
  stdout?: Writable & { isTTY?: boolean; columns?: number };
  stderr?: Writable;
  env?: NodeJS.ProcessEnv;
}

type Paint = (text: string) => string;

export interface Palette {
  ok: Paint;
  bad: Paint;
  warn: Paint;
  dim: Paint;
  bold: Paint;
}

const plain: Paint = (text) => text;
const ansi = (code: number): Paint => (text) => `\u001b[${code}m${text}\u001b[0m`;

export class Output {
  readonly json: boolean;
  readonly tty: boolean;
  readonly paint: Palette;
  private readonly stdout: Writable & { isTTY?: boolean };
  private readonly stderr: Writable;
  private liveLines = 0;
  private lastLive = new Map<string, string>();

  constructor(options: OutputOptions) {
    const env = options.env ?? process.env;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.json = options.json;
    this.tty = this.stdout.isTTY === true && !this.json;
    const colour = this.tty && env.NO_COLOR === undefined && env.TERM !== 'dumb';
    this.paint = colour
      ? { ok: ansi(32), bad: ansi(31), warn: ansi(33), dim: ansi(2), bold: ansi(1) }
      : { ok: plain, bad: plain, warn: plain, dim: plain, bold: plain };
  }

  /** The command's result: the value as JSON with --json, else the human text. */
  result(value: unknown, human: () => string): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else this.write(human());
  }

  /** A line for people only (progress, hints); silent with --json so stdout stays one JSON document. */
  info(text: string): void {
    if (!this.json) this.write(text);
  }

  /** A hint that must not mix with a piped result: always to stderr. */
  note(text: string): void {
    this.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * A block of lines keyed by subject (one per member) that changes over time. On a terminal it
   * is redrawn in place; elsewhere a subject's line is printed again only when it changed.
   */
  live(lines: Array<{ key: string; text: string }>): void {
    if (this.json) return;
    if (this.tty) {
      const up = this.liveLines > 0 ? `\u001b[${this.liveLines}A` : '';
      this.stdout.write(`${up}${lines.map((line) => `\u001b[2K${line.text}\n`).join('')}`);
      this.liveLines = lines.length;
      return;
    }
    for (const line of lines) {
      if (this.lastLive.get(line.key) === line.text) continue;
      this.lastLive.set(line.key, line.text);
      this.stdout.write(`${line.text}\n`);
    }
  }

  /** Ends a live block: the next output starts below it. */
  endLive(): void {
    this.liveLines = 0;
    this.lastLive = new Map();
  }

  error(code: string, message: string, extra: Record<string, unknown> = {}): void {
    if (this.json) {
      this.stdout.write(`${JSON.stringify({ error: { code, message, ...extra } }, null, 2)}\n`);
    } else {
      this.stderr.write(`${this.paint.bad('error')} ${message}${code ? this.paint.dim(` [${code}]`) : ''}\n`);
    }
  }

  private write(text: string): void {
    if (text.length === 0) return;
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** Left-aligned columns: a header row and the rows below, padded to the widest cell. */
export function table(header: string[], rows: string[][], visibleLength: (text: string) => number = visibleWidth): string {
  const widths = header.map((cell, index) => Math.max(visibleLength(cell), ...rows.map((row) => visibleLength(row[index] ?? ''))));
  const render = (row: string[]): string =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat((widths[index] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)].join('\n');
}

export function visibleWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
