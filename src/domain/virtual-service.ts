/**
 * A reading view of the parts of a VirtualService meshbot edits. Objects stay untyped
 * (`JsonObject`) so every field we don't know — retries, corsPolicy, future Istio fields —
 * survives an edit untouched.
 */
export type JsonObject = Record<string, unknown>;

export interface VirtualServiceLike extends JsonObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  spec?: unknown;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function httpRoutes(vs: VirtualServiceLike): JsonObject[] {
  const http = isJsonObject(vs.spec) ? vs.spec.http : undefined;
  return Array.isArray(http) ? http.filter(isJsonObject) : [];
}

export function routeDestinations(route: JsonObject): JsonObject[] {
  return Array.isArray(route.route) ? route.route.filter(isJsonObject) : [];
}

export function destinationHost(routeDestination: JsonObject): string | undefined {
  const destination = routeDestination.destination;
  return isJsonObject(destination) && typeof destination.host === 'string' ? destination.host : undefined;
}

/** Istio's rule: a missing weight is 100 when it is the route's only destination, else 0. */
export function effectiveWeight(routeDestination: JsonObject, destinationCount: number): number {
  const weight = routeDestination.weight;
  if (typeof weight === 'number') return weight;
  return destinationCount === 1 ? 100 : 0;
}

/** The effective weight of the (first) destination with this host in a route; 0 when it has none. */
export function hostWeight(route: JsonObject, host: string): number {
  const destinations = routeDestinations(route);
  const index = destinations.findIndex((d) => destinationHost(d) === host);
  return index < 0 ? 0 : effectiveWeight(destinations[index] as JsonObject, destinations.length);
}

/** Indexes of the destinations with this host in one route. */
export function indexesOfHost(route: JsonObject, host: string): number[] {
  const found: number[] = [];
  routeDestinations(route).forEach((d, i) => {
    if (destinationHost(d) === host) found.push(i);
  });
  return found;
}

/** All destination hosts of all http routes, in order, without repeats. */
export function allHttpHosts(vs: VirtualServiceLike): string[] {
  const hosts = httpRoutes(vs).flatMap((r) => routeDestinations(r).map(destinationHost));
  return [...new Set(hosts.filter((h): h is string => h !== undefined))];
}

/** `payments/cr-gcpbackend-migration`, or `VirtualService` when the object has no name. */
export function virtualServiceLabel(vs: VirtualServiceLike): string {
  const meta = isJsonObject(vs.metadata) ? vs.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  if (!name) return 'VirtualService';
  return typeof meta.namespace === 'string' ? `${meta.namespace}/${name}` : name;
}

/** `http[2] "primary"`: how messages point at one route. */
export function routeLabel(route: JsonObject, index: number): string {
  return typeof route.name === 'string' ? `http[${index}] "${route.name}"` : `http[${index}]`;
}
