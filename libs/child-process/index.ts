export { spawnWatched } from './watched-process';
export type { ProcessExit, WatchedProcess, WatchOptions } from './watched-process';
