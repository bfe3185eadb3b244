/**
 * Loads Pinterest's official OpenAPI description from ../shared (or PINTEREST_OPENAPI)
 * and validates response bodies against the schema the spec gives for that
 * operation and status. The spec is read at test time and never copied into the repo.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

export const SPEC_PATH =
  process.env.PINTEREST_OPENAPI ?? fileURLToPath(new URL('../../shared/pinterest-openapi/openapi.json', import.meta.url));

type Json = Record<string, any>;

export interface SpecOperation {
  method: string;
  path: string;
  operationId: string;
  scopes: string[];
  category: string | undefined;
  tags: string[];
  responses: Json;
  pattern: RegExp;
  paramCount: number;
}

let loaded: { spec: Json; operations: SpecOperation[]; ajv: Ajv } | null | undefined;
let warned = false;

/** The spec, or null (with one loud warning) when the file is absent. */
export function loadSpec(): { spec: Json; operations: SpecOperation[]; ajv: Ajv } | null {
  if (loaded !== undefined) return loaded;
  if (!existsSync(SPEC_PATH)) {
    if (!warned) {
      warned = true;
      console.warn(`\n!!! CONTRACT CHECKS SKIPPED: the official Pinterest OpenAPI file is not at ${SPEC_PATH} (set PINTEREST_OPENAPI) !!!\n`);
    }
    loaded = null;
    return loaded;
  }
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Json;
  const operations: SpecOperation[] = [];
  for (const [path, item] of Object.entries<Json>(spec.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const oauth = (op.security ?? []).find((s: Json) => s.pinterest_oauth2);
      const paramCount = (path.match(/\{/g) ?? []).length;
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        scopes: oauth ? oauth.pinterest_oauth2 : [],
        category: op['x-ratelimit-category'],
        tags: op.tags ?? [],
        responses: op.responses,
        pattern: new RegExp('^' + path.replace(/\{[^}]+\}/g, '[^/]+') + '$'),
        paramCount,
      });
    }
  }
  // A literal segment wins over a parameter (/pins/analytics before /pins/{pin_id}).
  operations.sort((a, b) => a.paramCount - b.paramCount);
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // Pinterest: timestamps are ISO 8601 without a zone suffix (`2022-10-13T01:40:29`)
  // in every real response, although the spec calls them date-time.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/);
  ajv.addSchema(toAjvSchema(spec), 'spec');
  loaded = { spec, operations, ajv };
  return loaded;
}

/**
 * OpenAPI 3.0 to plain JSON Schema: `nullable` becomes a null alternative and
 * `discriminator` (which Ajv cannot read with `mapping`) is dropped; `oneOf` still
 * decides between the variants, except that a `oneOf` whose discriminator maps the
 * body's value checks the variant it maps to (variants that overlap, as an
 * advanced auction UPSERT record also meets the DELETE one, would fail `oneOf`).
 */
function toAjvSchema(node: any): any {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'discriminator' || key === 'nullable') continue;
    out[key] = toAjvSchema(value);
  }
  const mapping = node.discriminator?.mapping as Record<string, string> | undefined;
  if (mapping && Array.isArray(out.oneOf)) {
    const property = node.discriminator.propertyName as string;
    const { oneOf, ...rest } = out;
    const mapped = { type: 'object', required: [property], properties: { [property]: { enum: Object.keys(mapping) } } };
    const variants = Object.entries(mapping).map(([value, ref]) => ({ if: { properties: { [property]: { const: value } } }, then: { $ref: ref } }));
    return withNullable(node, { ...rest, if: mapped, then: { allOf: variants }, else: { oneOf } });
  }
  return withNullable(node, out);
}

function withNullable(node: any, out: Json): any {
  if (node.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [{ type: 'null' }, out] };
  }
  return out;
}

export function findOperation(method: string, path: string): SpecOperation | undefined {
  const spec = loadSpec();
  if (!spec) return undefined;
  return spec.operations.find((op) => op.method === method && op.pattern.test(path));
}

const validators = new Map<string, ValidateFunction | null>();

/**
 * Validates one response. Returns null when it conforms (or there is nothing to
 * check against), else a description of the violations.
 */
export function checkResponse(method: string, path: string, status: number, body: unknown): string | null {
  const spec = loadSpec();
  if (!spec) return null;
  const op = findOperation(method, path);
  if (!op) return null;
  const statusKey = op.responses[String(status)] ? String(status) : 'default';
  const key = `${op.method} ${op.path} ${statusKey}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    const hasSchema = op.responses[statusKey]?.content?.['application/json']?.schema;
    const pointer = `spec#/paths/${op.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${op.method.toLowerCase()}/responses/${statusKey}/content/application~1json/schema`;
    validate = hasSchema ? (spec.ajv.getSchema(pointer) ?? null) : null;
    validators.set(key, validate);
  }
  if (!validate) return null;
  if (validate(body)) return null;
  return `${key}: ${spec.ajv.errorsText(validate.errors, { separator: '; ' })}\nbody: ${JSON.stringify(body).slice(0, 600)}`;
}

/**
 * Validates a body against one named schema of the spec's components, e.g. the
 * variant `OauthAccessTokenResponseCode` that the operation's discriminator picks.
 * Null when it conforms (or the spec is absent), else the violations.
 */
export function checkComponent(name: string, body: unknown): string | null {
  const spec = loadSpec();
  if (!spec) return null;
  const validate = spec.ajv.getSchema(`spec#/components/schemas/${name}`);
  if (!validate) return `the spec has no schema ${name}`;
  if (validate(body)) return null;
  return `${name}: ${spec.ajv.errorsText(validate.errors, { separator: '; ' })}\nbody: ${JSON.stringify(body).slice(0, 600)}`;
}
