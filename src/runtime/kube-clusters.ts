import { KubeConfig } from '@kubernetes/client-node';
import type { MigrationSettings } from '../app/deps.js';
import { CustomObjects } from '../kube/custom-objects.js';

/**
 * One Kubernetes client per kubeconfig context, so a migration acts only on its own cluster.
 * KUBECONFIG as kubectl reads it; in a pod without one, the in-cluster service account.
 */
export function kubeClusters(kubeconfigPath: string | undefined): (migration: MigrationSettings) => CustomObjects {
  const base = new KubeConfig();
  if (kubeconfigPath) base.loadFromFile(kubeconfigPath);
  else base.loadFromDefault();
  const clients = new Map<string, CustomObjects>();
  return (migration) => {
    const context = migration.context ?? base.getCurrentContext();
    let client = clients.get(context);
    if (!client) {
      const kc = new KubeConfig();
      kc.loadFromString(base.exportConfig());
      if (migration.context) kc.setCurrentContext(migration.context);
      client = new CustomObjects(kc);
      clients.set(context, client);
    }
    return client;
  };
}
