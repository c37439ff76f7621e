export { fsyncPath, ImmutableFileConflictError, replaceFile, writeImmutableFile } from './durable-file';
export type { DurableWriteOptions } from './durable-file';
