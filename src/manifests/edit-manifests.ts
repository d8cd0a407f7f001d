import { parseAllDocuments, type Document } from 'yaml';
import type { EditError } from '../domain/edit-error.js';
import { err, ok, type Result } from '../domain/result.js';
import type { Edited } from '../domain/shift-weights.js';
import { isJsonObject, virtualServiceLabel, type VirtualServiceLike } from '../domain/virtual-service.js';
import { validateIstioObject } from '../schema/istio-schema.js';
import { applyObjectEdit } from './yaml-edit.js';

export type VirtualServiceEdit<C> = (vs: VirtualServiceLike) => Result<Edited<C>, EditError>;

export interface EditedDocument<C> {
  readonly index: number;
  readonly label: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly changes: readonly C[];
  /** A VirtualService that routes to the `from` host (changed or already at the asked state). */
  readonly matched: boolean;
  /** The document's text as it will be written: the input verbatim when unchanged. */
  readonly text: string;
}

export interface ManifestEdit<C> {
  readonly documents: readonly EditedDocument<C>[];
  /** Text after the last document (a trailing comment), kept verbatim. */
  readonly trailer: string;
}

const MAX_ALIASES = 100;

/**
 * Applies a VirtualService edit to every VirtualService of a (multi-document) YAML text that
 * holds the `from` host; every other document passes through byte for byte. Each VirtualService
 * written is validated against the Istio CRD schema of its apiVersion.
 */
export function editManifests<C>(text: string, from: string, edit: VirtualServiceEdit<C>): Result<ManifestEdit<C>, string> {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return err('the input is empty: give a YAML file with at least one VirtualService.');
  const out: EditedDocument<C>[] = [];
  let start = 0;
  let virtualServices = 0;
  for (const [index, doc] of docs.entries()) {
    const source = text.slice(start, doc.range[2]);
    start = doc.range[2];
    const edited = editDocument(doc, index, source, edit);
    if (!edited.ok) return edited;
    if (isVirtualService(edited.value.before)) virtualServices++;
    out.push(edited.value);
  }
  if (virtualServices === 0) return err(`the input holds no VirtualService (kinds found: ${kindsOf(out)}): give the file with the VirtualService that routes to ${from}.`);
  if (!out.some((d) => d.matched)) {
    return err(`${from} is not a destination of any http route in the ${virtualServices} VirtualService(s) of the input: check the from host.`);
  }
  return ok({ documents: out, trailer: text.slice(start) });
}

function editDocument<C>(doc: Document, index: number, source: string, edit: VirtualServiceEdit<C>): Result<EditedDocument<C>, string> {
  const where = `document ${index + 1}`;
  if (doc.errors.length > 0) return err(`${where} is not valid YAML: ${doc.errors[0]?.message ?? 'parse error'}`);
  const before = toJs(doc);
  if (!before.ok) return err(`${where}: ${before.error}`);
  const unchanged = { index, label: labelOf(before.value), before: before.value, after: before.value, changes: [], matched: false, text: source };
  if (!isVirtualService(before.value)) return ok(unchanged);
  const result = edit(before.value);
  if (!result.ok && result.error.code === 'from-host-not-found') return validated(unchanged, where);
  if (!result.ok) return err(`${where} (${unchanged.label}): ${result.error.message}`);
  if (result.value.changes.length === 0) return validated({ ...unchanged, matched: true }, where);
  applyObjectEdit(doc, before.value, result.value.virtualService);
  const text = doc.toString({ indentSeq: indentsSequences(source), lineWidth: 0 });
  return validated({ ...unchanged, matched: true, after: result.value.virtualService, changes: result.value.changes, text }, where);
}

function validated<C>(document: EditedDocument<C>, where: string): Result<EditedDocument<C>, string> {
  const problems = validateIstioObject(document.after);
  if (problems.length === 0) return ok(document);
  const what = document.changes.length > 0 ? 'the edited VirtualService would not be valid' : 'the VirtualService is not valid';
  return err(`${where} (${document.label}): ${what} against the Istio CRD schema: ${problems.slice(0, 5).join('; ')}`);
}

function toJs(doc: Document): Result<unknown, string> {
  try {
    return ok(doc.toJS({ maxAliasCount: MAX_ALIASES }));
  } catch (error) {
    return err(`cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function isVirtualService(value: unknown): value is VirtualServiceLike {
  return isJsonObject(value) && value.kind === 'VirtualService' && typeof value.apiVersion === 'string' && value.apiVersion.startsWith('networking.istio.io/');
}

function labelOf(value: unknown): string {
  if (!isJsonObject(value)) return 'empty document';
  return `${typeof value.kind === 'string' ? value.kind : 'object'} ${virtualServiceLabel(value)}`.replace(/ VirtualService$/, '');
}

function kindsOf(documents: readonly EditedDocument<unknown>[]): string {
  const kinds = documents.map((d) => (isJsonObject(d.before) && typeof d.before.kind === 'string' ? d.before.kind : 'none'));
  return [...new Set(kinds)].join(', ') || 'none';
}

/** Keeps the input's style: `key:\n  - item` (indented) or `key:\n- item`. */
function indentsSequences(source: string): boolean {
  const match = /^( *)[^\s#-][^\n]*:\s*\n( *)- /m.exec(source);
  return match ? (match[2] as string).length > (match[1] as string).length : true;
}
