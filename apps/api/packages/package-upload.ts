// Checks an uploaded package before anything is stored or started: the bytes must hash to the
// digest the operator downloaded when one is given (a changed byte is caught here, not inside an
// HSM), decode as the current package format, belong to this cluster and not be expired. The file alone is
// enough (DESIGN section 7): its MAC is checked inside the target HSM by the import, before any
// unwrap.
import { sha256Hex } from '../../../libs/digest';
import { decodePackage, PACKAGE_FORMAT, PackageRejectedError, type PackageFile } from '../../../libs/package-format';
import { ApiError } from '../errors/api-error';

export function checkUploadedPackage(bytes: Buffer, expectedDigest: string | undefined, clusterId: string, now = new Date()): PackageFile {
  const digest = sha256Hex(bytes);
  if (expectedDigest !== undefined && digest !== expectedDigest.toLowerCase()) {
    throw ApiError.badRequest(
      'tampered-package',
      `The uploaded file does not hash to ${expectedDigest} (it hashes to ${digest}): it was changed or is another file. Nothing was imported; download the package again and upload it unchanged.`,
    );
  }
  let file: PackageFile;
  try {
    file = decodePackage(bytes);
  } catch (error) {
    if (error instanceof PackageRejectedError) {
      throw ApiError.badRequest('not-a-package', `The uploaded file is not a usable ${PACKAGE_FORMAT} package: ${error.message} Nothing was imported.`);
    }
    throw error;
  }
  if (file.header.clusterId !== clusterId) {
    throw ApiError.badRequest(
      'wrong-cluster',
      `The package belongs to cluster ${file.header.clusterId}, not ${clusterId}. Nothing was imported; upload it to a member of ${file.header.clusterId}.`,
    );
  }
  if (Date.parse(file.header.expiresAt) <= now.getTime()) {
    throw ApiError.badRequest(
      'expired-package',
      `The package expired at ${file.header.expiresAt}; an old package could bring back a retired key. Nothing was imported; export a fresh one with a new sync.`,
    );
  }
  return file;
}
