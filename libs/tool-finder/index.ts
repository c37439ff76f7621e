export { cachedToolPath, findTool } from './find-tool';
export type { ToolSpec } from './find-tool';
