// docker-compose.yml cannot run here (no Docker engine), so its shape is checked by reading it: the
// configurations it carries pass the same validators the processes run, each node agent mounts its
// own host volume and TLS folder and nothing another member has, and every TLS folder a service
// mounts is one that keysync-pki makes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseTlsIdentity } from '../../apps/stack/separate-hosts/tls-folders';
import { repoRoot } from '../../libs/config/paths';
import { validateAgentConfig } from '../../libs/config/validate-agent-config';
import { validateConfig } from '../../libs/config/validate-config';

interface Service {
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  configs?: Array<{ source: string; target: string }>;
}

const compose = parse(readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  configs: Record<string, { content: string }>;
  volumes: Record<string, unknown>;
};
const MEMBERS = ['node1', 'node2', 'node3'];
const volumeNames = (service: Service): string[] => (service.volumes ?? []).map((volume) => volume.split(':')[0]!);

describe('docker-compose.yml', () => {
  it('gives each node agent an agent configuration of its own member only, which the agent validator accepts', () => {
    for (const member of MEMBERS) {
      const service = compose.services[`${member}-agent`]!;
      expect(service.configs).toEqual([{ source: `${member}-agent-config`, target: '/etc/keysync/agent.json' }]);
      expect(service.environment?.KEYSYNC_CONFIG).toBe('/etc/keysync/agent.json');
      const config = validateAgentConfig(JSON.parse(compose.configs[`${member}-agent-config`]!.content), 'agent.json', '/etc/keysync');
      expect(config.agent).toMatchObject({
        cluster: 'demo',
        member: { id: member, tokenLabel: member, pin: { file: `/var/lib/keysync-host/${member}.pin` }, environment: { SOFTHSM2_CONF: '/var/lib/keysync-host/softhsm2.conf' } },
      });
      expect(config.temporal.tls).toEqual({ caFile: '/tls/ca.pem', certFile: '/tls/cert.pem', keyFile: '/tls/key.pem', serverName: 'temporal' });
      expect(config.packageStore).toMatchObject({ s3: { endpoint: 'http://s3:7070', bucket: 'keysync-packages' } });
    }
  });

  it('mounts a member\'s host volume and TLS folder into that member\'s agent only, and no shared state into any agent', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const volumes = volumeNames(service);
      for (const member of MEMBERS) {
        const mine = name === `${member}-agent`;
        expect(volumes.includes(`${member}-host`), `${name} and ${member}-host`).toBe(mine);
        if (name !== 'keysync-pki') expect(volumes.includes(`tls-${member}`), `${name} and tls-${member}`).toBe(mine);
      }
      if (name.endsWith('-agent')) expect(volumes).toEqual([`${name.replace(/-agent$/, '')}-host`, `tls-${name.replace(/-agent$/, '')}`]);
    }
  });

  it('has keysync-pki make every TLS folder a service mounts, each into that folder\'s own volume', () => {
    const pki = compose.services['keysync-pki']!;
    const script = (pki.command as string[]).join(' ');
    const identities = /pki-main\.js \/pki (.*?) &&/.exec(script)![1]!.trim().split(/\s+/).map(parseTlsIdentity);
    const made = identities.map((identity) => `tls-${identity.name}`);
    expect(volumeNames(pki).sort()).toEqual(['pki-ca', ...made].sort());
    const mounted = Object.values(compose.services).flatMap(volumeNames).filter((volume) => volume.startsWith('tls-'));
    expect([...new Set(mounted)].sort()).toEqual([...made].sort());
    expect(identities.find((identity) => identity.name === 'temporal')).toEqual({ name: 'temporal', usage: 'server-and-client', names: ['temporal', 'localhost'] });
  });

  it('carries an orchestrator and API template with member ids only, which validates once approvers and principals are added', () => {
    const template = JSON.parse(compose.configs['control-config-template']!.content) as { clusters: Array<Record<string, unknown>>; principals?: unknown };
    expect(template.clusters[0]!.members).toEqual(MEMBERS.map((id) => ({ id })));
    template.clusters[0]!.approvers = [{ id: 'approver-1', publicKey: Buffer.alloc(32, 1).toString('base64') }, { id: 'approver-2', publicKey: Buffer.alloc(32, 2).toString('base64') }];
    template.principals = [];
    const config = validateConfig(template, 'config.json', '/var/lib/keysync');
    expect(config.temporal.tls?.serverName).toBe('temporal');
    expect(config.api.tls).toEqual({ certFile: '/tls-https/cert.pem', keyFile: '/tls-https/key.pem' });
    expect(compose.services['keysync-prepare']!.configs).toEqual([{ source: 'control-config-template', target: '/etc/keysync/config.template.json' }]);
  });

  it('declares every named volume it mounts', () => {
    const mounted = new Set(Object.values(compose.services).flatMap(volumeNames).filter((volume) => !volume.startsWith('/')));
    expect([...mounted].sort()).toEqual(Object.keys(compose.volumes).sort());
  });
});
