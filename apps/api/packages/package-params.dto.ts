// The package routes' path and query parameters, each validated and documented by one decorator.
import { StringField } from '../validation/fields';
import { digestRule, reasonRule } from '../validation/rules';

export class PackageDigestParams {
  @StringField(digestRule, { description: 'SHA-256 of the package file, hex (its name in the package store).' })
  digest!: string;
}

export class PackageUploadQuery {
  @StringField(digestRule, {
    required: false,
    description: 'SHA-256 of the file as downloaded (its name). Optional: the file authenticates itself (its MAC is checked inside the target HSM); when given, a file that does not hash to it is refused as tampered before anything is stored.',
  })
  digest?: string;

  @StringField(reasonRule, { required: false, description: 'Why: recorded in the member’s history and audit trail.' })
  reason?: string;
}
