import type { ManifestEdit } from '../manifests/edit-manifests.js';
import { UsageError } from './cli-io.js';

export type OutputFormat = 'yaml' | 'json' | 'diff';

export function renderManifestEdit<C>(edit: ManifestEdit<C>, format: OutputFormat, describe: (changes: readonly C[]) => string[]): string {
  if (format === 'yaml') return joinDocuments(edit.documents.map((d) => d.text)) + edit.trailer;
  if (format === 'json') return `${toJson(asJson(edit))}\n`;
  return renderDiff(edit, describe);
}

/** Documents one after the other; a `---` never lands on the line where the previous one ended. */
function joinDocuments(texts: readonly string[]): string {
  return texts.reduce((out, text) => out + (out !== '' && !out.endsWith('\n') && !text.startsWith('\n') ? '\n' : '') + text, '');
}

function toJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    throw new UsageError('the input cannot be shown as JSON (a YAML alias refers to itself); use --output yaml.');
  }
}

/** One document → the object itself; several → a kubectl-style `List`. */
function asJson<C>(edit: ManifestEdit<C>): unknown {
  const objects = edit.documents.map((d) => d.after).filter((o) => o !== null && o !== undefined);
  return objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
}

function renderDiff<C>(edit: ManifestEdit<C>, describe: (changes: readonly C[]) => string[]): string {
  const matched = edit.documents.filter((d) => d.matched);
  const blocks = matched.map((d) => [d.label, ...describe(d.changes).map((line) => `  ${line}`)].join('\n'));
  return `${blocks.join('\n\n')}\n`;
}
