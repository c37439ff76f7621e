// The one error type the API raises on purpose. Its code is stable (clients match on it), its
// message says what was wrong and what to do, and it never carries a secret.
import { HttpException, HttpStatus } from '@nestjs/common';

export interface ApiErrorDetail {
  field: string;
  reason: string;
}

export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details?: ApiErrorDetail[],
  ) {
    super({ code, message }, status);
    this.message = message;
  }

  static badRequest(code: string, message: string, details?: ApiErrorDetail[]): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, code, message, details);
  }

  static notFound(code: string, message: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, code, message);
  }

  static conflict(code: string, message: string): ApiError {
    return new ApiError(HttpStatus.CONFLICT, code, message);
  }
}
