// The FIDO2 credential routes' shapes (DESIGN 14; the console's contract): registration options,
// the registration body, and a credential as the store records it (its public key is not secret).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { credentialStates } from '../../../libs/contract/credentials';
import type { CredentialState } from '../../../libs/contract/credentials';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { StringField } from '../validation/fields';
import { attestationObjectRule, clientDataJsonRule, credentialIdRule, credentialNameRule, idRule } from '../validation/rules';

export class ApproverParams extends ClusterParams {
  @StringField(idRule, { description: 'The approver’s id (an approver principal’s id is its approver id).', example: 'approver-1' })
  approverId!: string;
}

export class CredentialParams extends ApproverParams {
  @StringField(credentialIdRule, { description: 'The credential id, base64url.' })
  credentialId!: string;
}

export class RelyingPartyDto {
  @ApiProperty({ example: 'localhost' })
  id!: string;

  @ApiProperty({ example: 'KeySync' })
  name!: string;
}

export class WebAuthnUserDto {
  @ApiProperty({ description: 'base64url of the UTF-8 approver id.' })
  id!: string;

  @ApiProperty({ example: 'approver-1' })
  name!: string;

  @ApiProperty({ example: 'approver-1 (cluster demo)' })
  displayName!: string;
}

export class CredentialParameterDto {
  @ApiProperty({ enum: ['public-key'] })
  type!: 'public-key';

  @ApiProperty({ enum: [-7], description: 'ES256: ECDSA P-256 with SHA-256.' })
  alg!: -7;
}

export class AuthenticatorSelectionDto {
  @ApiProperty({ enum: ['required'] })
  userVerification!: 'required';

  @ApiProperty({ enum: ['discouraged'] })
  residentKey!: 'discouraged';
}

export class CredentialDescriptorDto {
  @ApiProperty({ enum: ['public-key'] })
  type!: 'public-key';

  @ApiProperty({ description: 'base64url.' })
  id!: string;
}

/** What navigator.credentials.create takes as publicKey (binary fields in base64url). */
export class RegistrationOptionsDto {
  @ApiProperty({ description: 'base64url; valid for two minutes, for this approver of this cluster.' })
  challenge!: string;

  @ApiProperty({ type: RelyingPartyDto })
  rp!: RelyingPartyDto;

  @ApiProperty({ type: WebAuthnUserDto })
  user!: WebAuthnUserDto;

  @ApiProperty({ type: [CredentialParameterDto] })
  pubKeyCredParams!: CredentialParameterDto[];

  @ApiProperty({ type: AuthenticatorSelectionDto })
  authenticatorSelection!: AuthenticatorSelectionDto;

  @ApiProperty({ enum: ['none'] })
  attestation!: 'none';

  @ApiProperty({ example: 120000 })
  timeout!: number;

  @ApiProperty({ type: [CredentialDescriptorDto], description: 'The approver’s credentials already registered (pending or confirmed).' })
  excludeCredentials!: CredentialDescriptorDto[];
}

export class RegisterCredentialDto {
  @StringField(credentialIdRule, { description: 'PublicKeyCredential.rawId, base64url.' })
  credentialId!: string;

  @StringField(clientDataJsonRule, { description: 'AuthenticatorAttestationResponse.clientDataJSON, base64url.' })
  clientDataJSON!: string;

  @StringField(attestationObjectRule, { description: 'AuthenticatorAttestationResponse.attestationObject, base64url (format none).' })
  attestationObject!: string;

  @StringField(credentialNameRule, { description: 'What the owner calls this security key.', example: 'YubiKey 5 NFC', required: false })
  name?: string;
}

export class CredentialDto {
  @ApiProperty()
  credentialId!: string;

  @ApiProperty()
  approverId!: string;

  @ApiPropertyOptional()
  name?: string;

  @ApiProperty({ enum: credentialStates, description: 'Only a confirmed credential approves.' })
  state!: CredentialState;

  @ApiProperty({ description: 'P-256 SubjectPublicKeyInfo DER, base64url (public).' })
  publicKey!: string;

  @ApiProperty({ description: 'The RP id it was registered for.' })
  rpId!: string;

  @ApiProperty({ format: 'date-time' })
  registeredAt!: string;

  @ApiPropertyOptional({ description: 'The admin who confirmed it.' })
  confirmedBy?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  confirmedAt?: string;

  @ApiPropertyOptional({ description: 'The admin who revoked it.' })
  revokedBy?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  revokedAt?: string;
}

export class CredentialListDto {
  @ApiProperty({ type: [CredentialDto] })
  credentials!: CredentialDto[];
}
