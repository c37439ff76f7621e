// One decorator per field both validates it (class-validator, run by the global ValidationPipe)
// and documents it (the OpenAPI schema): the spec cannot drift from what the server accepts.
import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsObject, ValidateBy, ValidateIf, ValidateNested, type ValidationOptions } from 'class-validator';
import type { StringRule } from './rules';

export interface FieldDoc {
  description?: string;
  example?: unknown;
  /** Default true. An optional field may be left out, but not sent as null: null is not a string. */
  required?: boolean;
  /** The error code of a refusal, when it is not invalid-input (read by validation-error.ts). */
  code?: string;
}

/**
 * Lengths count code points, as JSON Schema does (class-validator's Length counts neither quite
 * so), so a value the spec allows is never refused for its length, nor the other way round.
 */
export function followsRule(value: unknown, rule: StringRule): boolean {
  if (typeof value !== 'string') return false;
  const length = Array.from(value).length;
  return length >= rule.minLength && length <= rule.maxLength && (rule.pattern?.test(value) ?? true);
}

function Follows(rule: StringRule, options: ValidationOptions & { each?: boolean }): PropertyDecorator {
  return ValidateBy(
    {
      name: 'followsRule',
      validator: {
        validate: (value: unknown) => followsRule(value, rule),
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          const each = options.each ? 'each item ' : '';
          return typeof value === 'string' || options.each ? `${each}${rule.reason}` : 'must be a string';
        },
      },
    },
    options,
  );
}

/** Present unless optional; an optional field left out is not validated (null is, and refused). */
function Presence(doc: FieldDoc): PropertyDecorator[] {
  return doc.required === false ? [ValidateIf((_object: object, value: unknown) => value !== undefined)] : [];
}

function schemaOf(rule: StringRule): { type: 'string'; minLength: number; maxLength: number; pattern?: string } {
  return { type: 'string', minLength: rule.minLength, maxLength: rule.maxLength, ...(rule.pattern ? { pattern: rule.pattern.source } : {}) };
}

function context(doc: FieldDoc): Pick<ValidationOptions, 'context'> {
  return doc.code ? { context: { code: doc.code } } : {};
}

/** A string that follows `rule`. */
export function StringField(rule: StringRule, doc: FieldDoc = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ ...schemaOf(rule), required: doc.required ?? true, description: doc.description, example: doc.example }),
    ...Presence(doc),
    Follows(rule, { ...context(doc) }),
  );
}

export interface ListRule {
  minItems: number;
  maxItems: number;
  /** Refuse a list that repeats an item, with this reason ("must not repeat a member"). */
  unique?: string;
}

/** A list of strings, each of which follows `rule`. */
export function StringListField(rule: StringRule, list: ListRule, doc: FieldDoc = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      type: 'array',
      items: schemaOf(rule),
      minItems: list.minItems,
      maxItems: list.maxItems,
      ...(list.unique ? { uniqueItems: true } : {}),
      required: doc.required ?? true,
      description: doc.description,
      example: doc.example,
    }),
    ...Presence(doc),
    IsArray({ message: 'must be a list of strings' }),
    ArrayMinSize(list.minItems, { message: `must hold at least ${list.minItems} item${list.minItems === 1 ? '' : 's'}` }),
    ArrayMaxSize(list.maxItems, { message: `must hold at most ${list.maxItems} items` }),
    ...(list.unique ? [ArrayUnique({ message: list.unique })] : []),
    Follows(rule, { each: true, ...context(doc) }),
  );
}

/** One of `values`. */
export function EnumField(values: readonly string[], doc: FieldDoc = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: 'string', enum: [...values], required: doc.required ?? true, description: doc.description, example: doc.example }),
    ...Presence(doc),
    IsIn([...values], { message: `must be one of ${values.join(', ')}`, ...context(doc) }),
  );
}

/** true or false (a JSON boolean, never the string). */
export function BooleanField(doc: FieldDoc = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: 'boolean', required: doc.required ?? true, description: doc.description, example: doc.example }),
    ...Presence(doc),
    IsBoolean({ message: 'must be true or false', ...context(doc) }),
  );
}

/** An object of a DTO class, validated field by field (a problem is named as parent.field). */
export function ObjectField(type: new () => object, doc: FieldDoc = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type, required: doc.required ?? true, description: doc.description }),
    ...Presence(doc),
    IsObject({ message: 'must be an object', ...context(doc) }),
    ValidateNested(),
    Type(() => type),
  );
}
