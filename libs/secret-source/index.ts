export { describeSecretSource, readSecret, SecretUnavailableError } from './secret-source';
export type { SecretSource } from './secret-source';
