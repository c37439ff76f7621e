// The one way KeySync makes an S3 client. The AWS SDK warns once per process, on stderr, that its
// versions published after January 2027 will need Node 22. KeySync pins @aws-sdk/client-s3 (DESIGN
// 11: Node 20), so the notice concerns no version it runs, yet every agent printed it on the
// terminal of `npm start` and `start:production`, seven lines each. It is turned off here unless
// the environment already says otherwise (set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false
// to see it).
import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

const NOTICE_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

export function newS3Client(config: S3ClientConfig): S3Client {
  process.env[NOTICE_SWITCH] ??= 'true';
  return new S3Client(config);
}
