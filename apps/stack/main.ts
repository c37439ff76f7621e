// `npm start`: the whole embedded stack in the foreground until Ctrl-C or SIGTERM.
import { stackPorts } from '../../libs/config/ports';
import { stateDir } from '../../libs/config/paths';
import { stackBanner } from './banner';
import { startStack } from './stack';
import type { RunningStack } from './stack';

async function main(): Promise<void> {
  let stack: RunningStack | null = null;
  let stopRequested: NodeJS.Signals | null = null;
  let shutdown: Promise<void> | null = null;
  const stopAndExit = (code: number): Promise<void> =>
    (shutdown ??= (async () => {
      if (stack) await stack.stop();
      process.exit(code);
    })());
  // A signal during start-up is kept and acted on once start-up has settled; repeats are ignored
  // (the terminal and `npm start` may both deliver the same Ctrl-C).
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) return;
    stopRequested = signal;
    process.stderr.write(`[keysync] ${signal}: stopping...\n`);
    if (stack) void stopAndExit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  stack = await startStack({ home: stateDir(), ports: stackPorts(), configFile: process.env.KEYSYNC_CONFIG || undefined });
  if (stopRequested) return stopAndExit(0);
  process.stdout.write(stackBanner(stack));
  const reason = await stack.failed;
  if (stopRequested) return;
  process.stderr.write(`[keysync] ${reason} Stopping the stack.\n`);
  await stopAndExit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`[keysync] could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
