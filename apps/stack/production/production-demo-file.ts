// demo.json in the shape `npm start` writes (apps/stack/demo/demo-state.ts DemoFile), so the CLI,
// the walkthrough and the tests read it the same way: the API tokens and approver keys from the
// first start, and each member with its token label, PIN, module and the environment the module
// needs (its host's softhsm2.conf). The file is 0600: the demo's credentials in one place.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../../libs/config/load-config';
import { findSoftHsmModule } from '../../../libs/hsm/softhsm';
import type { DemoFile } from '../demo/demo-state';
import { writeSecretFile } from '../demo/secret-file';
import { DEMO_FOUNDER, DEMO_MEMBERS } from './production-config';
import type { ProductionPaths } from './production-paths';

export type ProductionDemoFile = DemoFile & {
  members: Array<DemoFile['members'][number] & { pkcs11Module: string; environment: Record<string, string> }>;
};

export function writeProductionDemoFile(paths: ProductionPaths, apiUrl: string, temporalUiUrl: string): ProductionDemoFile {
  const first = parseConfigText(readFileSync(paths.demo, 'utf8'), paths.demo) as DemoFile;
  const pkcs11Module = findSoftHsmModule();
  const demo: ProductionDemoFile = {
    apiUrl,
    temporalUiUrl,
    cluster: first.cluster,
    softhsm2Conf: join(paths.host(DEMO_FOUNDER), 'softhsm2.conf'),
    pkcs11Module,
    members: DEMO_MEMBERS.map((id) => ({
      id,
      tokenLabel: id,
      pin: readFileSync(join(paths.host(id), `${id}.pin`), 'utf8').trim(),
      pkcs11Module,
      environment: { SOFTHSM2_CONF: join(paths.host(id), 'softhsm2.conf') },
    })),
    tokens: first.tokens,
    approverKeys: first.approverKeys,
  };
  writeSecretFile(paths.demo, `${JSON.stringify(demo, null, 2)}\n`);
  return demo;
}
