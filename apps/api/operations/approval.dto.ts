import { ApiProperty } from '@nestjs/swagger';
import { EnumField, ObjectField, StringField } from '../validation/fields';
import { approvalMemberRule, authenticatorDataRule, idRule, clientDataJsonRule, credentialIdRule, signatureRule, webauthnSignatureRule } from '../validation/rules';
import { operationIdRule } from './operation-id';
import { ApprovalStatusDto } from './operation.dto';

export const approvalDecisions = ['approve', 'reject'] as const;

export class OperationParams {
  @StringField(operationIdRule, {
    description: 'The operation id a start returned, e.g. sync:demo:<syncId>, join:demo:node3 or retire:demo:<retireId>.',
    example: 'join:demo:node3',
    code: 'invalid-operation-id',
  })
  operationId!: string;
}

export class ChallengeParams extends OperationParams {
  @StringField(approvalMemberRule, { description: 'The member whose step is approved; * for a retire, approved once for every member.', example: 'node2' })
  member!: string;
}

/** A security key's assertion (navigator.credentials.get), over SHA-256 of the challenge string (DESIGN 14). */
export class WebAuthnAssertionDto {
  @StringField(credentialIdRule, { description: 'The confirmed credential that signed (PublicKeyCredential.rawId).' })
  credentialId!: string;

  @StringField(authenticatorDataRule, { description: 'AuthenticatorAssertionResponse.authenticatorData.' })
  authenticatorData!: string;

  @StringField(clientDataJsonRule, { description: 'AuthenticatorAssertionResponse.clientDataJSON.' })
  clientDataJSON!: string;

  @StringField(webauthnSignatureRule, { description: 'AuthenticatorAssertionResponse.signature: ECDSA P-256, DER.' })
  signature!: string;
}

export class ApprovalRequestDto {
  @StringField(approvalMemberRule, { description: 'The member whose step is approved; * for a retire, approved once for every member.', example: 'node2' })
  member!: string;

  @StringField(idRule, { description: 'Optional: the approver is the principal; when sent, it must be the principal’s id.', example: 'approver-1', required: false })
  approverId?: string;

  @EnumField(approvalDecisions)
  decision!: (typeof approvalDecisions)[number];

  @StringField(signatureRule, {
    description: 'Ed25519 signature (64 bytes, base64) of the challenge, ending in the decision (approve or reject). Send this or webauthn, not both.',
    required: false,
  })
  signature?: string;

  @ObjectField(WebAuthnAssertionDto, {
    description:
      'A confirmed security key’s assertion whose WebAuthn challenge is SHA-256 of the challenge string ending in the decision (navigator.credentials.get with userVerification required). Send this or signature, not both.',
    required: false,
  })
  webauthn?: WebAuthnAssertionDto;
}

export class ChallengeDto {
  @ApiProperty({
    example: 'keysync-approval/1|sync:demo:abc:node2|node2|<package digest>|approve',
    description: 'For a retire: keysync-approval/1|retire:<cluster>:<retireId>|*|retire:<class>:<id>:<fingerprint>|approve.',
  })
  challenge!: string;
}

export class ApprovalAcceptedDto {
  @ApiProperty()
  member!: string;

  @ApiProperty()
  approverId!: string;

  @ApiProperty({ enum: ['approve', 'reject'] })
  decision!: 'approve' | 'reject';

  @ApiProperty({ type: ApprovalStatusDto })
  approvals!: ApprovalStatusDto;
}

export class CancelAcceptedDto {
  @ApiProperty()
  operationId!: string;

  @ApiProperty({ enum: ['cancelling'] })
  state!: 'cancelling';
}

export class WorkflowHistoryDto {
  @ApiProperty()
  workflowId!: string;

  @ApiProperty()
  runId!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The history as Temporal’s proto JSON: replay it with Worker.runReplayHistory.' })
  history!: Record<string, unknown>;
}

export class HistoriesDto {
  @ApiProperty()
  operationId!: string;

  @ApiProperty({ type: [WorkflowHistoryDto], description: 'The operation’s workflow first, then each member’s.' })
  histories!: WorkflowHistoryDto[];
}
