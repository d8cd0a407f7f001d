import type { ClassifiableEntry } from './log-entry.js';

/**
 * What a remedy can fill in from the entry that called for it: the project of the resource
 * Traffic Director denied, and the Cloud Run service (and its region) whose sidecar was denied.
 * Stored with tallies in Redis: every field may be missing.
 */
export interface RemedyFacts {
  readonly deniedProject?: string | undefined;
  readonly service?: string | undefined;
  readonly region?: string | undefined;
}

/** Longer values are not names GCP gives: dropped rather than shown. */
const MAX_NAME_LENGTH = 100;
const DENIED_RESOURCE = /on resource '?(?:\/\/[^/'\s]+\/)?projects\/([^/'\s]{1,100})\//;

/** The project in `… denied on resource 'projects/123/global/networks/default' …`, when the line names one. */
export function deniedProject(text: string): string | undefined {
  return DENIED_RESOURCE.exec(text)?.[1];
}

/** The facts of a Traffic Director permission denial whose message is `text`; undefined when the entry tells none. */
export function denialFacts(entry: ClassifiableEntry, text: string): RemedyFacts | undefined {
  const project = deniedProject(text);
  const labels = entry.resource?.type === 'cloud_run_revision' ? entry.resource.labels : undefined;
  const service = nameOrUndefined(labels?.['service_name']);
  const region = service === undefined ? undefined : nameOrUndefined(labels?.['location']);
  if (project === undefined && service === undefined) return undefined;
  // Only the keys known: each is stored with every denial record in Redis.
  return { ...(project === undefined ? {} : { deniedProject: project }), ...(service === undefined ? {} : { service }), ...(region === undefined ? {} : { region }) };
}

export function sameFacts(a: RemedyFacts, b: RemedyFacts): boolean {
  return a.deniedProject === b.deniedProject && a.service === b.service && a.region === b.region;
}

function nameOrUndefined(value: string | undefined): string | undefined {
  return value && value.length <= MAX_NAME_LENGTH ? value : undefined;
}
