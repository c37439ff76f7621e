// Runs a stack (`npm start`, `npm run start:production`) in the foreground: its banner once it is
// up, then until Ctrl-C or SIGTERM, or until a part keeps dying; either way everything is stopped
// before the process exits.

export interface ForegroundStack {
  /** Settles with a sentence when a part keeps dying. */
  failed: Promise<string>;
  stop(): Promise<void>;
}

export interface ForegroundOptions<S extends ForegroundStack> {
  start: () => Promise<S>;
  banner: (stack: S) => string;
  /** The start-up failure's prefix: "could not start". */
  startFailure: string;
}

export function runInForeground<S extends ForegroundStack>(options: ForegroundOptions<S>): void {
  let stack: S | null = null;
  let stopRequested: NodeJS.Signals | null = null;
  let shutdown: Promise<void> | null = null;
  const stopAndExit = (code: number): Promise<void> =>
    (shutdown ??= (async () => {
      if (stack) await stack.stop();
      process.exit(code);
    })());
  // A signal during start-up is kept and acted on once start-up has settled; repeats are ignored
  // (the terminal and npm may both deliver the same Ctrl-C).
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) return;
    stopRequested = signal;
    process.stderr.write(`[keysync] ${signal}: stopping...\n`);
    if (stack) void stopAndExit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const run = async (): Promise<void> => {
    stack = await options.start();
    if (stopRequested) return stopAndExit(0);
    process.stdout.write(options.banner(stack));
    const reason = await stack.failed;
    if (stopRequested) return;
    process.stderr.write(`[keysync] ${reason} Stopping the stack.\n`);
    await stopAndExit(1);
  };
  run().catch((error: unknown) => {
    process.stderr.write(`[keysync] ${options.startFailure}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
