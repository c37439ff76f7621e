// Turns class-validator's findings into one 400 that names each field and why it was refused.
import type { ValidationError } from 'class-validator';
import { ApiError, type ApiErrorDetail } from './api-error';

function collect(errors: ValidationError[], parent: string, into: ApiErrorDetail[]): void {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, text] of Object.entries(error.constraints ?? {})) {
      // whitelistValidation is how forbidNonWhitelisted reports a field the DTO does not declare.
      const reason = constraint === 'whitelistValidation' ? 'is not an accepted field; remove it' : text.replace(`${error.property} `, '');
      into.push({ field, reason });
    }
    collect(error.children ?? [], field, into);
  }
}

export function validationFailed(errors: ValidationError[]): ApiError {
  const details: ApiErrorDetail[] = [];
  collect(errors, '', details);
  const summary = details.map((detail) => `${detail.field} ${detail.reason}`).join('; ');
  return ApiError.badRequest('invalid-input', `The request was refused: ${summary}. Fix these fields and send it again.`, details);
}
