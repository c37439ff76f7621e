// The ports of the production shape, chosen at its first start and kept in production.json:
// config.json and every host's agent configuration name the Temporal frontends and the S3
// endpoint, so a later start must find them where they were. A port in use then is an error that
// names it, rather than a silent move the configuration files would not follow.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { freePort, isPortFree } from '../../../libs/config/ports';
import type { StackPorts } from '../../../libs/config/ports';
import { allocateServerPorts, SERVER_PORT_NAMES } from '../../../libs/temporal-server';
import type { ServerPorts } from '../../../libs/temporal-server';

export const TEMPORAL_PROCESSES = ['temporal-1', 'temporal-2'] as const;

export interface ProductionLayout {
  api: number;
  /** The Temporal Web UI (KEYSYNC_UI_PORT, 8233 by default, as `npm start`'s); like the API's, no configuration file names it. */
  ui: number;
  postgres: number;
  s3: number;
  temporal: ServerPorts[];
}

export async function ensureLayout(file: string, ports: StackPorts): Promise<ProductionLayout> {
  if (existsSync(file)) {
    const layout = JSON.parse(readFileSync(file, 'utf8')) as ProductionLayout;
    return { ...layout, api: ports.api, ui: ports.ui };
  }
  // The first frontend takes KEYSYNC_TEMPORAL_PORT (7233) when free, like `npm start`'s Temporal.
  const postgres = await freePort();
  const s3 = await freePort();
  const layout: ProductionLayout = {
    api: ports.api,
    ui: ports.ui,
    postgres,
    s3,
    // Chosen but not bound yet, so not seen as busy: the Temporal ports go round them.
    temporal: await allocateServerPorts(TEMPORAL_PROCESSES.length, ports.temporal, new Set([ports.api, ports.ui, postgres, s3])),
  };
  writeFileSync(file, `${JSON.stringify(layout, null, 2)}\n`);
  return layout;
}

/** Every port the start needs, checked before anything starts, so a busy one is named at once. */
export async function checkPortsFree(layout: ProductionLayout): Promise<void> {
  const wanted: Array<[string, number]> = [
    ['API', layout.api],
    ['Temporal UI', layout.ui],
    ['PostgreSQL', layout.postgres],
    ['S3 (versitygw)', layout.s3],
    ...layout.temporal.flatMap((ports, index) => SERVER_PORT_NAMES.map((name): [string, number] => [`${TEMPORAL_PROCESSES[index]} ${name}`, ports[name]])),
  ];
  const busy: string[] = [];
  for (const [what, port] of wanted) if (!(await isPortFree(port))) busy.push(`${port} (${what})`);
  if (busy.length > 0) throw new Error(`Ports the production shape uses are in use: ${busy.join(', ')}. Stop whatever listens there (another KeySync?); the ports are kept in production.json of the state folder.`);
}
