import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

const digestRule = { message: 'must be a SHA-256 digest: 64 lower-case hex digits' };

export class PackageDigestParams {
  @ApiProperty({ description: 'SHA-256 of the package file, hex (its name in the package store).' })
  @Matches(/^[0-9a-f]{64}$/, digestRule)
  digest!: string;
}

export class PackageUploadQuery {
  @ApiProperty({ description: 'SHA-256 of the file as downloaded (its name): a file that does not hash to it is refused as tampered.' })
  @Matches(/^[0-9a-f]{64}$/, digestRule)
  digest!: string;

  @ApiPropertyOptional({ description: 'Why: recorded in the member’s history and audit trail.' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}
