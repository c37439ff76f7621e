// The package store's bucket, made when missing: the one-shot set-up of a deployment whose
// members share packages through S3 (docker-compose.yml's versitygw starts with no bucket). An
// existing bucket is kept. The S3 server may still be starting: an unreachable endpoint is tried
// again until `waitMs` has passed. The keys come from their secret sources and are never printed.
import { BucketAlreadyOwnedByYou, CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { newS3Client } from '../../../libs/package-store/s3-client';
import type { S3PackageStoreConfig } from '../../../libs/package-store/package-store-config';
import { readSecret } from '../../../libs/secret-source';

export async function ensureBucket(settings: S3PackageStoreConfig, waitMs = 0): Promise<'created' | 'present'> {
  const client = newS3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle ?? false,
    credentials: {
      accessKeyId: await readSecret(settings.accessKeyId, 'The S3 access key id'),
      secretAccessKey: await readSecret(settings.secretAccessKey, 'The S3 secret access key'),
    },
  });
  try {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: settings.bucket }));
        return 'present';
      } catch (error) {
        // A server that answers (404: no bucket yet) goes on to the creation; one that does not is awaited.
        const answered = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== undefined;
        if (answered || Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket: settings.bucket }));
      return 'created';
    } catch (error) {
      if (error instanceof BucketAlreadyOwnedByYou) return 'present';
      throw new Error(`Cannot create the package store's bucket ${settings.bucket} at ${settings.endpoint}: ${error instanceof Error ? error.name : 'unknown error'}. Check that the S3 server runs and that the keys may create buckets.`);
    }
  } finally {
    client.destroy();
  }
}
