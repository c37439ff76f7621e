// `node dist/apps/stack/prepare-host-main.js [--founder]`: makes, on first start, the SoftHSM token
// that the agent configuration (KEYSYNC_CONFIG) names, the way an appliance's HSM is set up once
// at installation: the softhsm2.conf at member.environment.SOFTHSM2_CONF with its tokens/ folder
// beside it, the token with the member's label, a random user PIN in the member's PIN file (0600).
// `--founder`: also the cluster transfer secrets and the demo keys. It reads and writes nothing
// outside that host's own files. docker-compose.yml runs it before each node agent; a second run,
// once the PIN file exists, changes nothing. A real HSM's token is made with its vendor's tools.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { configPath, isAgentConfig, loadWorkerConfig } from '../../libs/config';
import { initSoftHsmToken, openToken, prepareSoftHsm } from '../../libs/hsm';
import { createFounderMaterial } from './demo/demo-tokens';
import { randomPin } from './demo/demo-identities';
import { writeSecretFile } from './demo/secret-file';

async function main(): Promise<void> {
  const founder = process.argv.slice(2).includes('--founder');
  const file = configPath();
  const config = loadWorkerConfig(file);
  if (!isAgentConfig(config)) throw new Error(`${file} is not an agent configuration (it has no \`agent\`): prepare-host makes the token of an agent's own member.`);
  const { member } = config.agent;
  const conf = member.environment?.SOFTHSM2_CONF;
  if (!conf || basename(conf) !== 'softhsm2.conf' || !('file' in member.pin)) {
    throw new Error(
      `${file}: prepare-host makes SoftHSM tokens only, so agent.member.environment.SOFTHSM2_CONF must name the .../softhsm2.conf to write and agent.member.pin a {"file"} to put the PIN in. A real HSM's token is set up with its vendor's tools.`,
    );
  }
  if (existsSync(member.pin.file)) {
    process.stdout.write(`member ${member.id}: token already prepared (${member.pin.file} exists)\n`);
    return;
  }
  // The PIN goes to a side file until the end: the PIN file's presence marks a finished preparation,
  // and a side file left by an interrupted one means its half-made token is removed first.
  const partial = `${member.pin.file}.partial`;
  if (existsSync(partial)) {
    rmSync(join(dirname(conf), 'tokens'), { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
  const setup = prepareSoftHsm(dirname(conf));
  // SoftHSM reads SOFTHSM2_CONF when this process first loads it, below.
  process.env.SOFTHSM2_CONF = setup.confPath;
  const pinValue = randomPin();
  writeSecretFile(partial, pinValue);
  await initSoftHsmToken({ ...setup, modulePath: member.pkcs11Module }, member.tokenLabel, pinValue, randomPin());
  const pin = { file: partial };
  if (founder) {
    const token = await openToken({ pkcs11Module: member.pkcs11Module, tokenLabel: member.tokenLabel, pin });
    try {
      await createFounderMaterial(token);
    } finally {
      await token.close();
    }
  }
  renameSync(partial, member.pin.file);
  process.stdout.write(`member ${member.id}: token "${member.tokenLabel}" made in ${setup.tokensDir}${founder ? ', with the cluster secrets and the demo keys' : ''}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`keysync prepare-host failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
