// Who the bearer token is: the console asks once at sign-in, to greet the principal by name and
// offer only what its roles may do (the API still checks every request).
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { roles } from '../../../libs/config/types';
import type { Role } from '../../../libs/config/types';
import { Authenticated, CurrentPrincipal } from '../auth/auth-decorators';
import type { Principal } from '../http/api-request';

export class PrincipalDto {
  @ApiProperty({ example: 'approver-1', description: 'The principal’s id; an approver’s is its approver id.' })
  id!: string;

  @ApiProperty({ enum: roles, isArray: true })
  roles!: Role[];
}

@ApiTags('auth')
@Controller('me')
export class MeController {
  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'The principal the bearer token maps to, and its roles (any role).' })
  @ApiOkResponse({ type: PrincipalDto })
  me(@CurrentPrincipal() principal: Principal): PrincipalDto {
    return { id: principal.id, roles: [...principal.roles] };
  }
}
