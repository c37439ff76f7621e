// What an operator does on one host's token outside KeySync (make the founder's cluster secrets,
// generate keys as a CA would, look at what the token holds), run as a process of its own with
// that host's SOFTHSM2_CONF: SoftHSM reads it once per process, and a host sees only its own
// token store. Prints its result as JSON on stdout. Run by host-token.ts, never imported.
import { openToken } from '../../../libs/hsm';
import type { TokenRef } from '../../../libs/hsm';
import { makeCertificate } from '../../hsm/support/certificate';
import type { KeySpec } from '../../hsm/support/key-specs';

type Command = { command: 'create-cluster-secrets' } | { command: 'generate-keys'; specs: KeySpec[]; withCertificate: string[] } | { command: 'inventory' } | { command: 'cluster-secrets-kcv' };

async function main(): Promise<void> {
  const ref = JSON.parse(process.argv[2] ?? '') as TokenRef;
  const request = JSON.parse(process.argv[3] ?? '') as Command;
  const token = await openToken(ref);
  try {
    let result: unknown;
    switch (request.command) {
      case 'create-cluster-secrets':
        result = await token.createClusterSecrets();
        break;
      case 'generate-keys':
        // One after another: concurrent key-pair generation into one SoftHSM token store once crashed a process.
        for (const spec of request.specs) await token.generateKey(spec);
        for (const id of request.withCertificate) {
          const der = await token.publicKeyDer({ class: 'private', id });
          if (der) await token.importCertificate({ class: 'private', id }, makeCertificate(der, `key ${id}`));
        }
        result = await token.inventory();
        break;
      case 'inventory':
        result = await token.inventory();
        break;
      case 'cluster-secrets-kcv':
        result = await token.clusterSecretsKcv();
        break;
    }
    process.stdout.write(JSON.stringify(result));
  } finally {
    await token.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
