// The OpenAPI document, built from the controllers and DTOs themselves: the same decorators that
// validate a field document it, so the spec cannot drift from what the API accepts.
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const info = new DocumentBuilder()
    .setTitle('KeySync API')
    .setDescription(
      'Keeps HSM key material identical across the members of a PKI appliance cluster. ' +
        'Every error body is { code, message, correlationId }.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A principal’s token; the configuration stores its SHA-256.' })
    .build();
  const document = SwaggerModule.createDocument(app, info, { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
  closeBodySchemas(document);
  requireOneApprovalProof(document);
  return document;
}

/**
 * An approval carries exactly one proof, an Ed25519 signature or a security key's assertion
 * (approvals.service.ts refuses none or both with a 400): the schema says so, which its decorators
 * cannot (a class-level oneOf).
 */
function requireOneApprovalProof(document: OpenAPIObject): void {
  const schema = document.components?.schemas?.ApprovalRequestDto;
  if (schema && !('$ref' in schema)) schema.oneOf = [{ required: ['signature'] }, { required: ['webauthn'] }];
}

/**
 * The validation pipe (app.module.ts) refuses any field a body does not declare
 * (forbidNonWhitelisted): each JSON body's schema says so, or a client would read extra fields
 * as allowed.
 */
function closeBodySchemas(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  // A body's nested objects (an approval's webauthn) are validated the same way: closed too.
  const close = (ref: unknown): void => {
    const name = typeof ref === 'object' && ref !== null && '$ref' in ref ? String(ref.$ref).split('/').pop() : undefined;
    const schema = name ? schemas[name] : undefined;
    if (!schema || '$ref' in schema || schema.additionalProperties === false) return;
    schema.additionalProperties = false;
    // A described nested object is { allOf: [{ $ref }], description }.
    for (const property of Object.values(schema.properties ?? {})) {
      close(property);
      if ('allOf' in property) (property.allOf ?? []).forEach(close);
    }
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      const body = operation?.requestBody;
      close(body && 'content' in body ? body.content['application/json']?.schema : undefined);
    }
  }
}

/** Stable text for the committed openapi.json: keys sorted, so regenerating it only changes what changed. */
export function stableJson(value: unknown): string {
  const sort = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sort);
    if (node && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node as Record<string, unknown>)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, inner]) => [key, sort(inner)]),
      );
    }
    return node;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}
