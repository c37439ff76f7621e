export { cachedVersitygwPath, findVersitygw, requireVersitygw, VERSITYGW_VERSION } from './find-versitygw';
export { startS3Server } from './versitygw';
export type { S3Server, S3ServerOptions } from './versitygw';
