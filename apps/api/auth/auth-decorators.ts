// Route metadata read by the global AuthGuard: every route needs a valid token unless it is
// @Public(); @Roles(...) narrows it to principals holding one of those roles.
import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from '../../../libs/config/types';
import { ErrorBodyDto } from '../errors/error-body.dto';
import type { ApiRequest, Principal } from '../http/api-request';

export const PUBLIC_ROUTE = 'keysync:public';
export const REQUIRED_ROLES = 'keysync:roles';

export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Any of these roles lets the principal in; documents the 401 and 403 answers as well. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLES, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No token, or one that maps to no principal.' }),
    ApiForbiddenResponse({ type: ErrorBodyDto, description: `The principal lacks the role ${roles.join(' or ')}.` }),
  );

/** Any authenticated principal, whatever its roles. */
export const Authenticated = () =>
  applyDecorators(
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No token, or one that maps to no principal.' }),
  );

/** The principal the AuthGuard found for this request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<ApiRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route the AuthGuard let through without a principal');
  return principal;
});
