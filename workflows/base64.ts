// Moved to libs/approvals: re-exported here until every importer reads it from there.
export { decodeBase64 } from '../libs/approvals/base64';
