// deploy/systemd/ read as systemd would (INI sections, repeated keys allowed), without running
// systemd: each unit restarts on failure with a delay and a start limit, runs as the unprivileged
// keysync user from an environment file, starts a compiled entry that exists in this repository,
// and keeps the options that would break Node or a PKCS#11 module out.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../libs/config/paths';

type Unit = Map<string, Map<string, string[]>>;

const dir = join(repoRoot(), 'deploy', 'systemd');

function parseUnit(text: string, file: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | null = null;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1]!, section);
      return;
    }
    const entry = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!entry || !section) throw new Error(`${file}:${index + 1} is not a key=value line in a section: ${line}`);
    section.set(entry[1]!, [...(section.get(entry[1]!) ?? []), entry[2]!]);
  });
  return unit;
}

function value(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

const units = readdirSync(dir)
  .filter((name) => name.endsWith('.service'))
  .map((name) => ({ name, unit: parseUnit(readFileSync(join(dir, name), 'utf8'), name) }));

describe('the systemd units in deploy/systemd', () => {
  it('has one unit per production component, the agent a template on the member id', () => {
    expect(units.map((u) => u.name).sort()).toEqual(['keysync-agent@.service', 'keysync-api.service', 'keysync-orchestrator.service']);
    const agent = units.find((u) => u.name === 'keysync-agent@.service')!.unit;
    expect(value(agent, 'Service', 'ExecStart')).toMatch(/ --member %i$/);
    expect(value(agent, 'Service', 'EnvironmentFile')).toContain('%i');
    expect(value(units.find((u) => u.name === 'keysync-orchestrator.service')!.unit, 'Service', 'ExecStart')).toMatch(/ --orchestrator$/);
  });

  it.each(units)('$name restarts on failure with a delay and a start limit, as the keysync user, from an environment file', ({ unit }) => {
    expect(value(unit, 'Unit', 'Description')).toBeTruthy();
    expect(value(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(value(unit, 'Service', 'RestartSec')).toMatch(/^\d+s$/);
    expect(Number(value(unit, 'Unit', 'StartLimitBurst'))).toBeGreaterThan(1);
    expect(Number(value(unit, 'Unit', 'StartLimitIntervalSec'))).toBeGreaterThan(0);
    expect(value(unit, 'Service', 'User')).toBe('keysync');
    expect(value(unit, 'Service', 'EnvironmentFile')).toMatch(/^\/etc\/keysync\//);
    expect(value(unit, 'Service', 'NoNewPrivileges')).toBe('yes');
    expect(value(unit, 'Service', 'ProtectSystem')).toBe('strict');
    expect(value(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it.each(units)('$name starts a compiled entry of this repository', ({ unit }) => {
    const exec = value(unit, 'Service', 'ExecStart')!;
    const entry = /\/opt\/keysync\/dist\/(apps\/\w+\/main)\.js/.exec(exec);
    expect(entry, exec).not.toBeNull();
    expect(() => readFileSync(join(repoRoot(), `${entry![1]!}.ts`))).not.toThrow();
  });

  it.each(units)('$name leaves out MemoryDenyWriteExecute (Node’s JIT and some PKCS#11 libraries need W+X memory), and says why', ({ name, unit }) => {
    expect(unit.get('Service')?.has('MemoryDenyWriteExecute')).toBe(false);
    expect(readFileSync(join(dir, name), 'utf8')).toMatch(/#.*No MemoryDenyWriteExecute/);
  });

  it('keeps the agent able to reach HSM devices and vendor libraries (no PrivateDevices, no SystemCallFilter)', () => {
    const agent = units.find((u) => u.name === 'keysync-agent@.service')!.unit;
    expect(agent.get('Service')?.has('PrivateDevices')).toBe(false);
    expect(agent.get('Service')?.has('SystemCallFilter')).toBe(false);
  });
});
