import { apiVersionOf, type ResourceRegistry } from './resources.js';

/** Discovery documents (`/api`, `/apis`, `/apis/GROUP[/VERSION]`), as KubernetesObjectApi and kubectl read them. */
export function coreApiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().map((group) => apiGroupEntry(registry, group)) };
}

export function apiGroup(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  if (!registry.groups().includes(group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupEntry(registry, group) };
}

function apiGroupEntry(registry: ResourceRegistry, group: string): Record<string, unknown> {
  const versions = registry.groupVersions(group).map((version) => ({ groupVersion: apiVersionOf(group, version), version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const defs = registry.resources.filter((def) => def.group === group && def.versions.includes(version));
  if (defs.length === 0) return undefined;
  const resources = defs.map((def) => ({ name: def.plural, singularName: def.singular, namespaced: def.namespaced, kind: def.kind, verbs: def.verbs, shortNames: def.shortNames }));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

export const VERSION_INFO = { major: '1', minor: '33', gitVersion: 'v1.33.0-meshbot-harness', platform: 'linux/amd64' };
