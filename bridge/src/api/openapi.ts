// The OpenAPI 3.1 document of REST API v1, built from the route table (api-routes.ts) and its zod
// schemas (z.toJSONSchema, JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Served at
// GET /api/v1/openapi.json; test/helpers/openapi-check.ts validates answers against it.
import { z } from 'zod';
import { ROUTES, type RouteSpec } from './api-routes.ts';
import { ErrorSchema } from './api-schemas.ts';

type JsonSchema = Record<string, unknown>;

/** Named schemas (`.meta({ id })`), hoisted from each conversion's $defs into components.schemas. */
const components: Record<string, JsonSchema> = {};

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  delete out.$schema;
  const defs = (out.$defs ?? {}) as Record<string, JsonSchema>;
  delete out.$defs;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace('#/$defs/', '#/components/schemas/') : rewrite(x)]));
    }
    return v;
  };
  // Request schemas (io input) of a named schema may differ from its answer form: they stay inline.
  for (const [name, def] of Object.entries(defs)) {
    const key = io === 'input' ? `${name}Input` : name;
    components[key] = rewrite(def) as JsonSchema;
  }
  const result = rewrite(out) as JsonSchema;
  return io === 'input' ? (JSON.parse(JSON.stringify(result).replace(/#\/components\/schemas\/(\w+)"/g, '#/components/schemas/$1Input"')) as JsonSchema) : result;
};

const ERROR_STATUSES: Record<number, string> = {
  400: 'The request is invalid (API_BAD_REQUEST and others): the message names the field and the value',
  401: 'Not signed in (AUTH_REQUIRED) or wrong name/password (LOGIN_FAILED)',
  403: 'Not allowed for this role (AUTH_FORBIDDEN) or CSRF check failed (CSRF_FAILED)',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large: a JSON body over 64 KiB, or a media upload over its limit (MEDIA_TOO_LARGE, the message gives the limit)',
  416: 'Range not satisfiable',
  429: 'Too many failed sign-ins (RATE_LIMITED)',
  500: 'Server error',
  503: 'Busy',
};

function operation(id: string, r: RouteSpec): JsonSchema {
  const parameters: JsonSchema[] = [];
  const addParams = (obj: z.ZodObject | undefined, where: 'path' | 'query') => {
    if (!obj) return;
    const js = toSchema(obj, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(js.properties ?? {})) {
      parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema });
    }
  };
  addParams(r.params, 'path');
  addParams(r.query, 'query');
  const responses: Record<string, JsonSchema> = {};
  if (r.ok.media === 'audio') {
    responses['200'] = { description: 'The audio', content: { 'audio/*': { schema: { type: 'string', format: 'binary' } } } };
    responses['206'] = { description: 'The requested byte range (Content-Range)', content: { 'audio/*': { schema: { type: 'string', format: 'binary' } } } };
  } else if (r.ok.media === 'event-stream') {
    responses['200'] = { description: 'Server-sent events', content: { 'text/event-stream': { schema: { type: 'string' } } } };
  } else if (r.ok.schema) {
    responses[String(r.ok.status)] = { description: 'OK', content: { 'application/json': { schema: toSchema(r.ok.schema, 'output') } } };
    // A raw upload answers 201 when it created the resource, 200 when it replaced one.
    if (r.rawBody && r.ok.status === 201) responses['200'] = { description: 'Replaced', content: { 'application/json': { schema: toSchema(r.ok.schema, 'output') } } };
  } else {
    responses[String(r.ok.status)] = { description: 'Done' };
  }
  const errors = [400, 404, 500];
  if (r.role !== 'none') errors.push(401, 403);
  if (r.method !== 'GET') errors.push(413);
  if (id === 'createSession') errors.push(401, 403, 429);
  if (r.ok.media === 'audio') errors.push(409, 416);
  if (r.ok.media === 'event-stream') errors.push(503);
  if (r.method !== 'GET' || r.path.includes('{showId}')) errors.push(409);
  for (const status of [...new Set(errors)].sort()) {
    responses[String(status)] = { description: ERROR_STATUSES[status]!, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const op: JsonSchema = { operationId: id, summary: r.summary, responses };
  if (parameters.length) op.parameters = parameters;
  if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: toSchema(r.body, 'input') } } };
  // OpenAPI 3.1 §4.8.14.3: raw binary content is a string with contentMediaType (no contentEncoding).
  if (r.rawBody) {
    op.requestBody = {
      required: true,
      description: r.rawBody.description,
      content: Object.fromEntries(r.rawBody.mediaTypes.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }])),
    };
  }
  op.security = r.role === 'none' ? [] : [{ session: [] }, { token: [] }];
  if (r.role !== 'none') op['x-aircheck-role'] = r.role;
  return op;
}

let cached: JsonSchema | null = null;

/** The document (built once: the table is constant). */
export function openApiDocument(version: string): JsonSchema {
  if (cached) return cached;
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [id, r] of Object.entries(ROUTES) as [string, RouteSpec][]) {
    (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(id, r);
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Aircheck REST API',
      version,
      description:
        'Sign in with POST /api/v1/session (cookie aircheck_session; send X-CSRF-Token on every change) or use an API token (Authorization: Bearer ack_…). Errors are {code, message}; lists are JSON arrays. Roles: admin ⊇ operator ⊇ dj (x-aircheck-role).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { ...components, Error: toSchema(ErrorSchema, 'output') },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'aircheck_session' },
        token: { type: 'http', scheme: 'bearer', description: 'an API token from POST /api/v1/tokens' },
      },
    },
  };
  return cached;
}
