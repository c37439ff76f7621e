// Turns class-validator's findings into one 400 that names each field and why it was refused.
import type { ValidationError } from 'class-validator';
import { ApiError, type ApiErrorDetail } from './api-error';

/** The error code a field's rule asks for (FieldDoc.code in validation/fields.ts), if any. */
function codeOf(error: ValidationError, constraint: string): string | undefined {
  const code: unknown = (error.contexts?.[constraint] as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function collect(errors: ValidationError[], parent: string, into: ApiErrorDetail[], codes: Set<string>): void {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, text] of Object.entries(error.constraints ?? {})) {
      // whitelistValidation is how forbidNonWhitelisted reports a field the DTO does not declare.
      const reason = constraint === 'whitelistValidation' ? 'is not an accepted field; remove it' : text.replace(`${error.property} `, '');
      into.push({ field, reason });
      codes.add(codeOf(error, constraint) ?? 'invalid-input');
    }
    collect(error.children ?? [], field, into, codes);
  }
}

export function validationFailed(errors: ValidationError[]): ApiError {
  const details: ApiErrorDetail[] = [];
  const codes = new Set<string>();
  collect(errors, '', details, codes);
  const summary = details.map((detail) => `${detail.field} ${detail.reason}`).join('; ');
  // A field with a code of its own (an operation id) keeps it when it is the only problem.
  const code = codes.size === 1 ? ([...codes][0] as string) : 'invalid-input';
  return ApiError.badRequest(code, `The request was refused: ${summary}. Fix these fields and send it again.`, details);
}
