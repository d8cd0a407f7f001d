import { apiGroup, apiGroupList, apiResourceList, coreApiVersions, VERSION_INFO } from './discovery.js';
import type { ResourceDef, ResourceRegistry, Verb } from './resources.js';

export type Route = { type: 'document'; document: unknown } | { type: 'resource'; target: ResourceTarget };

export interface ResourceTarget {
  def: ResourceDef;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  /** A list across all namespaces (`/apis/G/V/PLURAL` for a namespaced resource). */
  clusterWide: boolean;
}

/** Maps a URL path to a discovery document or a resource, as kube-apiserver lays them out. */
export function route(registry: ResourceRegistry, pathname: string, serverAddress: string): Route | undefined {
  const segments = pathname.split('/').filter((segment) => segment !== '').map(decodeURIComponent);
  const [root, first, second, ...rest] = segments;
  const document = (value: unknown): Route | undefined => (value === undefined ? undefined : { type: 'document', document: value });
  if (root === 'version' && first === undefined) return document(VERSION_INFO);
  if (root === 'api') {
    if (first === undefined) return document(coreApiVersions(serverAddress));
    if (second === undefined) return document(apiResourceList(registry, '', first));
    return resourceRoute(registry, '', first, [second, ...rest]);
  }
  if (root === 'apis') {
    if (first === undefined) return document(apiGroupList(registry));
    if (second === undefined) return document(apiGroup(registry, first));
    if (rest.length === 0) return document(apiResourceList(registry, first, second));
    return resourceRoute(registry, first, second, rest);
  }
  return undefined;
}

function resourceRoute(registry: ResourceRegistry, group: string, version: string, segments: string[]): Route | undefined {
  const [first, second, third, fourth, ...subresource] = segments;
  if (subresource.length > 0) return undefined;
  if (first === 'namespaces' && second !== undefined && third !== undefined) {
    const def = registry.find(group, version, third);
    if (!def?.namespaced) return undefined;
    return { type: 'resource', target: { def, version, namespace: second, name: fourth, clusterWide: false } };
  }
  const def = registry.find(group, version, first ?? '');
  if (!def || third !== undefined) return undefined;
  if (def.namespaced) return second === undefined ? { type: 'resource', target: { def, version, namespace: undefined, name: undefined, clusterWide: true } } : undefined;
  return { type: 'resource', target: { def, version, namespace: undefined, name: second, clusterWide: false } };
}

export function verbFor(method: string, target: ResourceTarget): Verb | undefined {
  if (target.clusterWide) return method === 'GET' ? 'list' : undefined;
  const named = target.name !== undefined;
  const verbs: Record<string, Verb | undefined> = named
    ? { GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }
    : { GET: 'list', POST: 'create' };
  const verb = verbs[method];
  return verb && target.def.verbs.includes(verb) ? verb : undefined;
}
