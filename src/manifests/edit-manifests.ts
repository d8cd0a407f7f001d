import { isAlias, isNode, parseAllDocuments, visit, type Document } from 'yaml';
import { deepEqual } from '../domain/json-patch.js';
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
    const edited = safely(() => editDocument(doc, index, source, edit), `document ${index + 1}`);
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
  const plain = plainYaml(doc);
  if (!plain.ok) return err(`${where} (${unchanged.label}): ${plain.error}`);
  const result = edit(before.value);
  if (!result.ok && result.error.code === 'from-host-not-found') return validated(unchanged, where);
  if (!result.ok) return err(`${where} (${unchanged.label}): ${result.error.message}`);
  if (result.value.changes.length === 0) return validated({ ...unchanged, matched: true }, where);
  applyObjectEdit(doc, before.value, result.value.virtualService);
  const text = rendered(doc, source, result.value.virtualService);
  if (!text.ok) return err(`${where} (${unchanged.label}): ${text.error}`);
  return validated({ ...unchanged, matched: true, after: result.value.virtualService, changes: result.value.changes, text: text.value }, where);
}

/**
 * meshbot edits plain YAML only: anchors and aliases (an edit through an alias would change
 * every place that shares it) and tags the YAML core schema does not resolve are refused.
 */
function plainYaml(doc: Document): Result<true, string> {
  const warning = doc.warnings[0];
  if (warning) return err(`${warning.message.split('\n')[0]} — meshbot edits plain YAML; remove the tag and try again.`);
  let shared = false;
  visit(doc, (_key, node) => {
    if (isAlias(node) || (isNode(node) && node.anchor !== undefined)) {
      shared = true;
      return visit.BREAK;
    }
    return undefined;
  });
  return shared ? err('uses YAML anchors or aliases; meshbot edits only plain YAML, so expand them first (e.g. with `yq -o yaml \'explode(.)\'`).') : ok(true);
}

/** The edited document as text, read back to make sure it says exactly what was meant. */
function rendered(doc: Document, source: string, expected: unknown): Result<string, string> {
  const leading = source.startsWith('\n') || source.startsWith('\r\n') ? '\n' : '';
  const text = leading + doc.toString({ indentSeq: indentsSequences(source), lineWidth: 0 });
  const reread = parseAllDocuments(text);
  const same = Array.isArray(reread) && reread.length === 1 && reread[0]?.errors.length === 0 && deepEqual(reread[0].toJS(), expected);
  return same ? ok(text) : err('could not be written back faithfully; nothing was written. Please report this input.');
}

/** Whatever the input, a message instead of an exception (the CLI answers bad input with status 2). */
function safely<T>(work: () => Result<T, string>, where: string): Result<T, string> {
  try {
    return work();
  } catch (error) {
    return err(`${where} cannot be edited: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
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
