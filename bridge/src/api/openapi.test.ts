import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from './openapi.ts';
import { ROUTES } from './api-routes.ts';
import { checkAgainstOpenApi } from '../../../test/helpers/openapi-check.ts';

const doc = openApiDocument('0.0.0-test') as { paths: Record<string, Record<string, { security: unknown[]; parameters?: { name: string; in: string }[] }>> };

test('the OpenAPI document is a valid OpenAPI 3.1 document', async () => {
  const result = await new Validator().validate(doc as never);
  assert.equal(result.valid, true, JSON.stringify(result.errors));
});

test('every route of the table is in the document, with its path parameters and its security', () => {
  for (const [id, r] of Object.entries(ROUTES)) {
    const op = doc.paths[r.path]?.[r.method.toLowerCase()];
    assert.ok(op, `${id}: ${r.method} ${r.path} is documented`);
    assert.equal(op.security.length === 0, r.role === 'none', `${id}: public exactly when its role is none`);
    for (const name of r.path.match(/\{(\w+)\}/g) ?? []) {
      assert.ok(op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name), `${id}: path parameter ${name}`);
    }
  }
});

test('an answer is checked against the document: a wrong body, an undocumented status or route is refused', () => {
  checkAgainstOpenApi(doc, 'GET', '/api/v1/me', 200, { user: { name: 'a', role: 'admin' }, csrfToken: null });
  checkAgainstOpenApi(doc, 'GET', '/api/v1/me', 401, { code: 'AUTH_REQUIRED', message: 'sign in' });
  checkAgainstOpenApi(doc, 'GET', '/api/v1/schedule/slots?from=x', 200, []);
  checkAgainstOpenApi(doc, 'DELETE', '/api/v1/users/someone', 204, undefined);
  assert.throws(() => checkAgainstOpenApi(doc, 'GET', '/api/v1/me', 200, { user: { name: 'a', role: 'king' }, csrfToken: null }), /role/);
  assert.throws(() => checkAgainstOpenApi(doc, 'GET', '/api/v1/me', 200, { user: { name: 'a', role: 'dj' }, csrfToken: null, extra: 1 }), /additional/);
  assert.throws(() => checkAgainstOpenApi(doc, 'GET', '/api/v1/me', 201, {}), /does not describe/);
  assert.throws(() => checkAgainstOpenApi(doc, 'GET', '/api/v1/nothing', 200, {}), /not described/);
  assert.throws(() => checkAgainstOpenApi(doc, 'PUT', '/api/v1/me', 200, {}), /not described/);
  assert.throws(() => checkAgainstOpenApi(doc, 'GET', '/api/v1/users', 200, [{ name: 'x' }]), /required/);
});
