import type { VirtualServiceLike } from '../domain/virtual-service.js';
import { VIRTUAL_SERVICES } from '../kube/custom-objects.js';
import { KubeError } from '../kube/kube-error.js';
import type { AppDeps, MigrationSettings } from './deps.js';

/** The migration's VirtualService as the cluster has it: undefined when it is gone, 'unknown' when the API did not say. */
export async function liveVirtualService(deps: AppDeps, migration: MigrationSettings): Promise<VirtualServiceLike | undefined | 'unknown'> {
  try {
    return await deps.kube(migration).get(VIRTUAL_SERVICES, { namespace: migration.namespace, name: migration.virtualService });
  } catch (error) {
    return error instanceof KubeError && error.kind === 'not-found' ? undefined : 'unknown';
  }
}
