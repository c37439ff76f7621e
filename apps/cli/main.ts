// Entry of the `keysync` bin (bin/keysync.js runs the compiled file). Exit codes: 0 done as asked,
// 1 an operation or verification that did not succeed or an API refusal, 2 a usage mistake, 3 the
// API unreachable.
import { CommanderError } from 'commander';
import { exitCodes } from './cli-error';
import { buildProgram } from './program';

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander has printed the message already.
      process.exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
      return;
    }
    throw error;
  }
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`keysync: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = exitCodes.failed;
});
