export { AuditArchive, GENESIS_HASH } from './audit-archive';
export type { ArchiveEntry, ArchiveFilter, ArchiveMeta, ChainProblem, ChainReport } from './audit-archive';
