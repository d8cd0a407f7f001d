import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from './package-root.js';

/**
 * Validates Istio objects against the openAPIV3Schema of the CRDs shipped in `schemas/istio`
 * (copied from istio/istio, see schemas/istio/SOURCE.md), as the API server would: types,
 * enums, required fields, int32/double ranges. Unknown fields are accepted because the API
 * server prunes them rather than rejecting them; CEL rules (x-kubernetes-validations) are
 * not evaluated.
 *
 * Example: validateIstioObject(vs) → [] or ["spec.http[0].route[1].weight: must be integer"]
 */
const CRD_FILES = ['virtualservices.yaml', 'serviceentries.yaml', 'workloadentries.yaml'];
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

type Validators = Map<string, ValidateFunction>;
let cache: Validators | undefined;

export function validateIstioObject(obj: unknown): string[] {
  if (!isRecord(obj)) return ['the object is not a mapping'];
  const { apiVersion, kind } = obj;
  const validate = validators().get(`${String(apiVersion)}/${String(kind)}`);
  if (!validate) {
    return [`no schema for kind ${String(kind)} at apiVersion ${String(apiVersion)} (known: ${[...validators().keys()].join(', ')})`];
  }
  if (validate(obj)) return [];
  return (validate.errors ?? []).map(describeError);
}

export function hasIstioSchema(apiVersion: unknown, kind: unknown): boolean {
  return validators().has(`${String(apiVersion)}/${String(kind)}`);
}

function validators(): Validators {
  cache ??= compileAll();
  return cache;
}

function compileAll(): Validators {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('byte', { type: 'string', validate: (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => !Number.isNaN(Date.parse(s)) });
  const out: Validators = new Map();
  for (const file of CRD_FILES) {
    const text = readFileSync(join(packageRoot(), 'schemas', 'istio', file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as Crd;
      for (const version of crd.spec.versions) {
        const schema = toJsonSchema(version.schema.openAPIV3Schema) as object;
        out.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
      }
    }
  }
  return out;
}

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
}

/** OpenAPI v3 structural schema → JSON Schema: `x-kubernetes-int-or-string` becomes a type union. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'x-kubernetes-validations' || key === 'description') continue;
    out[key] = toJsonSchema(value);
  }
  if (node['x-kubernetes-int-or-string'] === true && out.type === undefined) out.type = ['integer', 'string'];
  return out;
}

function describeError(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replaceAll('/', '.') || '(root)';
  return `${path}: ${error.message ?? 'is invalid'}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
