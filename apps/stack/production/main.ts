// `npm run start:production`: the production shape in the foreground until Ctrl-C or SIGTERM,
// then every part stopped in reverse order.
import { stackPorts } from '../../../libs/config/ports';
import { stateDir } from '../../../libs/config/paths';
import { productionBanner } from './production-banner';
import { startProductionStack } from './production-stack';
import type { ProductionStack } from './production-stack';

async function main(): Promise<void> {
  let stack: ProductionStack | null = null;
  let stopRequested = false;
  let shutdown: Promise<void> | null = null;
  const stopAndExit = (code: number): Promise<void> =>
    (shutdown ??= (async () => {
      if (stack) await stack.stop();
      process.exit(code);
    })());
  // A signal during start-up is acted on once start-up has settled; repeats are ignored.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) return;
    stopRequested = true;
    process.stderr.write(`[keysync] ${signal}: stopping...\n`);
    if (stack) void stopAndExit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  stack = await startProductionStack({ home: stateDir(), ports: stackPorts() });
  if (stopRequested) return stopAndExit(0);
  process.stdout.write(productionBanner(stack));
  const reason = await stack.failed;
  if (stopRequested) return;
  process.stderr.write(`[keysync] ${reason} Stopping the stack.\n`);
  await stopAndExit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`[keysync] could not start the production shape: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
