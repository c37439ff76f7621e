// The `keysync` command line: global flags, then one group of commands per file in commands/.
import { Command } from 'commander';
import { registerApprovalCommands } from './commands/approvals';
import { registerAuditCommands } from './commands/audit';
import { registerCredentialCommands } from './commands/credentials';
import { registerInventoryCommand } from './commands/inventory';
import { registerOperationCommands } from './commands/operations';
import { registerPackageCommands } from './commands/packages';
import { registerRepairCommand } from './commands/repair';
import { registerRetireCommand } from './commands/retire';

export function buildProgram(): Command {
  const program = new Command('keysync')
    .description('Keep HSM key material identical across the members of a cluster (KeySync).')
    .option('--api <url>', 'the KeySync API (env KEYSYNC_API_URL; default: the demo stack’s, from demo.json)')
    .option('--token <token>', 'bearer token (env KEYSYNC_TOKEN)')
    .option('--as <principal>', 'use a demo principal’s token from demo.json: operator, approver-1..3, auditor, admin')
    .option('--json', 'print JSON for scripts instead of text')
    .showHelpAfterError('(run keysync --help for the commands)')
    .exitOverride();
  registerOperationCommands(program);
  registerRepairCommand(program);
  registerRetireCommand(program);
  registerApprovalCommands(program);
  registerInventoryCommand(program);
  registerPackageCommands(program);
  registerAuditCommands(program);
  registerCredentialCommands(program);
  return program;
}
