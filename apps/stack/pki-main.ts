// `node dist/apps/stack/pki-main.js <root> <name>=<usage>[:<host>,...] ...`: makes the TLS material
// of processes on separate hosts (separate-hosts/tls-folders.ts), one folder per identity, as
// docker-compose.yml's one-shot `keysync-pki` does for Temporal, the UI, the API, the orchestrator
// and each node agent. Safe to run again: what exists is kept.
import { ensureTlsFolders, parseTlsIdentity } from './separate-hosts/tls-folders';

async function main(): Promise<void> {
  const [root, ...specs] = process.argv.slice(2);
  if (!root || specs.length === 0) {
    throw new Error('usage: pki-main.js <root> <name>=<usage>[:<host>,...] ... (usage: server, client or server-and-client)');
  }
  const { created } = await ensureTlsFolders(root, specs.map(parseTlsIdentity));
  process.stdout.write(`TLS material in ${root}: ${created.length > 0 ? `made ${created.join(', ')}` : 'all present'}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`keysync pki failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
