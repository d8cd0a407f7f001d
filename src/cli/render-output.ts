import type { ManifestEdit } from '../manifests/edit-manifests.js';

export type OutputFormat = 'yaml' | 'json' | 'diff';

export function renderManifestEdit<C>(edit: ManifestEdit<C>, format: OutputFormat, describe: (changes: readonly C[]) => string[]): string {
  if (format === 'yaml') return edit.documents.map((d) => d.text).join('') + edit.trailer;
  if (format === 'json') return `${JSON.stringify(asJson(edit), null, 2)}\n`;
  return renderDiff(edit, describe);
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
