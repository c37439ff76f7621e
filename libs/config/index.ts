export { ConfigError } from './config-error';
export type { ConfigIssue } from './config-error';
export { applySoftHsmEnvironment, loadConfig, parseConfigText } from './load-config';
export { configPath, repoRoot, stateDir, statePaths } from './paths';
export type { StatePaths } from './paths';
export { DEFAULT_PORTS, freePort, isPortFree, stackPorts } from './ports';
export type { StackPorts } from './ports';
export * from './types';
export { CONFIG_DEFAULTS, validateConfig } from './validate-config';
