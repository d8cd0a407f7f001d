import type { VirtualServiceLike } from '../../src/domain/virtual-service.js';

export const FROM = 'cr-service-entry.com';
export const TO = 'cr-gcpbackend.com';

/** The seeds' VirtualService: one route, ServiceEntry 90 / GCPBackend 10. */
export function seedVirtualService(fromWeight = 90, toWeight = 10): VirtualServiceLike {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'cr-gcpbackend-migration', namespace: 'payments' },
    spec: {
      hosts: [FROM],
      http: [
        {
          route: [
            { destination: { host: TO }, weight: toWeight },
            { destination: { host: FROM }, weight: fromWeight },
          ],
        },
      ],
    },
  };
}

export function withRoutes(http: unknown[], extraSpec: Record<string, unknown> = {}): VirtualServiceLike {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'vs', namespace: 'ns' },
    spec: { hosts: [FROM], http, ...extraSpec },
  };
}

export const dest = (host: string, weight?: number, extra: Record<string, unknown> = {}) => ({
  destination: { host, ...extra },
  ...(weight === undefined ? {} : { weight }),
});
