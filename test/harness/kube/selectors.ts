import type { KubeObject } from './resources.js';
import { badRequest } from './status.js';

export type ObjectFilter = (object: KubeObject) => boolean;

/**
 * Label selectors as kube-apiserver accepts them: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
 * `a in (x,y)`, `a notin (x,y)`, comma-separated (all must hold).
 */
export function parseLabelSelector(selector: string | undefined): ObjectFilter {
  const requirements = splitRequirements(selector ?? '').map(parseLabelRequirement);
  return (object) => {
    const labels = object.metadata?.labels ?? {};
    return requirements.every((matches) => matches(labels));
  };
}

type LabelRequirement = (labels: Record<string, string>) => boolean;

function parseLabelRequirement(text: string): LabelRequirement {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (set) {
    const [, key = '', operator, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    return operator === 'in' ? (labels) => key in labels && values.includes(labels[key] ?? '') : (labels) => !values.includes(labels[key] ?? '\0absent');
  }
  const comparison = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(text);
  if (comparison) {
    const [, key = '', operator, value = ''] = comparison;
    return operator === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  const exists = /^(!?)([\w./-]+)$/.exec(text);
  if (exists) {
    const [, negated, key = ''] = exists;
    return negated ? (labels) => !(key in labels) : (labels) => key in labels;
  }
  throw badRequest(`unable to parse requirement: found '${text}', expected: in, notin, =, ==, !=, gt, lt`);
}

/** Splits on commas that are not inside `in (…)` lists. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

const SELECTABLE_FIELDS: Record<string, (object: KubeObject) => string | undefined> = {
  'metadata.name': (object) => object.metadata?.name,
  'metadata.namespace': (object) => object.metadata?.namespace,
};

/** Field selectors on `metadata.name` and `metadata.namespace`, the ones every resource supports. */
export function parseFieldSelector(selector: string | undefined): ObjectFilter {
  const requirements = splitRequirements(selector ?? '').map((text) => {
    const match = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(text);
    const read = match ? SELECTABLE_FIELDS[match[1] ?? ''] : undefined;
    if (!match || !read) throw badRequest(`field label not supported: ${text}`);
    const [, , operator, value] = match;
    return (object: KubeObject) => (read(object) === value) === (operator !== '!=');
  });
  return (object) => requirements.every((matches) => matches(object));
}
