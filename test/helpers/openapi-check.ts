// Checks an answer of the Aircheck REST API against its OpenAPI 3.1 document (GET /api/v1/openapi.json):
// the route must be described, the status must be one of its responses, and a JSON body must validate
// against that response's schema (JSON Schema 2020-12, ajv). Used by the API integration test and the
// console end-to-end test.
import { Ajv2020 } from 'ajv/dist/2020.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>; components?: { schemas?: Record<string, unknown> } };

const compiledFor = new WeakMap<object, { ajv: Ajv2020; cache: Map<string, ReturnType<Ajv2020['compile']>> }>();

function templateMatches(template: string, path: string): boolean {
  const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`);
  return re.test(path);
}

/**
 * Throws with a clear message when `METHOD path` is not in the document, `status` is not one of its
 * responses, or `body` (JSON) does not validate against the response schema. `path` may carry a query.
 */
export function checkAgainstOpenApi(doc: unknown, method: string, path: string, status: number, body: unknown): void {
  const d = doc as Doc;
  const pathname = new URL(path, 'http://x').pathname;
  // A literal path wins over a template (/schedule/slots before /schedule/{id}).
  const templates = Object.keys(d.paths).filter((t) => templateMatches(t, pathname));
  const template = templates.find((t) => t === pathname) ?? templates.find((t) => d.paths[t]![method.toLowerCase()]);
  if (!template) throw new Error(`${method} ${pathname} is not described in the OpenAPI document (paths: ${Object.keys(d.paths).join(', ')})`);
  const op = d.paths[template]![method.toLowerCase()];
  if (!op) throw new Error(`${method} ${template} is not described in the OpenAPI document (it has ${Object.keys(d.paths[template]!).join(', ')})`);
  const response = op.responses[String(status)] ?? op.responses.default;
  if (!response) throw new Error(`${method} ${template} answered ${status}, which the OpenAPI document does not describe (it has ${Object.keys(op.responses).join(', ')}); body ${JSON.stringify(body)?.slice(0, 300)}`);
  const schema = response.content?.['application/json']?.schema;
  if (!schema) {
    if (body !== undefined && body !== null && response.content && !response.content['application/json']) return; // bytes or events
    if (body !== undefined && body !== null && body !== '' && !response.content) throw new Error(`${method} ${template} ${status} has no body in the OpenAPI document, but one came: ${JSON.stringify(body).slice(0, 200)}`);
    return;
  }
  let entry = compiledFor.get(d);
  if (!entry) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'aircheck-openapi', components: d.components ?? {} });
    entry = { ajv, cache: new Map() };
    compiledFor.set(d, entry);
  }
  const key = `${method} ${template} ${status}`;
  let validate = entry.cache.get(key);
  if (!validate) {
    const rewritten = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"aircheck-openapi#/components/')) as object;
    validate = entry.ajv.compile(rewritten);
    entry.cache.set(key, validate);
  }
  if (!validate(body)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${e.params ? JSON.stringify(e.params) : ''}`);
    throw new Error(`${method} ${pathname} ${status}: the body does not match the OpenAPI document: ${problems.join('; ')}; body ${JSON.stringify(body).slice(0, 300)}`);
  }
}
