// The one gate in front of every route: bearer token -> principal, then the route's roles.
import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../../../libs/config/types';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import type { ApiRequest } from '../http/api-request';
import { PUBLIC_ROUTE, REQUIRED_ROLES } from './auth-decorators';
import { TokenIndex } from './token-index';

const bearer = /^Bearer ([^\s]+)$/i;

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: TokenIndex;

  constructor(
    private readonly reflector: Reflector,
    config: ApiConfig,
  ) {
    this.tokens = new TokenIndex(config.keysync.principals);
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<ApiRequest>();
    const header = request.headers.authorization;
    const token = header ? bearer.exec(header)?.[1] : undefined;
    if (!token) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unauthenticated',
        'This endpoint needs a bearer token: send "Authorization: Bearer <token>" (the demo tokens are in .keysync/demo.json).',
      );
    }
    const principal = this.tokens.principalFor(token);
    if (!principal) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'unauthenticated', 'The bearer token is not one this server knows. Check the token, or ask an admin for one.');
    }
    request.principal = principal;
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (required && !required.some((role) => principal.roles.includes(role))) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'forbidden',
        `This needs the role ${required.join(' or ')}; principal "${principal.id}" has ${principal.roles.join(', ') || 'no roles'}. Use a token of a principal with that role.`,
      );
    }
    return true;
  }
}
