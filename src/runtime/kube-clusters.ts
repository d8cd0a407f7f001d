import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { MigrationSettings } from '../app/deps.js';
import { CoreObjects } from '../kube/core-objects.js';
import { CustomObjects } from '../kube/custom-objects.js';
import { withTimeout } from '../kube/kube-error.js';
import { ObjectWatcher } from '../kube/watch-object.js';

export interface KubeClusters {
  /** The client of a migration's cluster (its kubeconfig context, or the current one). */
  readonly forMigration: (migration: MigrationSettings) => CustomObjects;
  /** Watches of single objects in the same cluster. */
  readonly watcherForMigration: (migration: MigrationSettings) => ObjectWatcher;
  /** The core API (Pods, Services) of the same cluster. */
  readonly coreForMigration: (migration: MigrationSettings) => CoreObjects;
  /** Problems reaching the API server of each context in use; empty when all answer. */
  readonly unreachable: (migrations: readonly MigrationSettings[]) => Promise<string[]>;
}

const READY_TIMEOUT_MS = 2000;

/**
 * One Kubernetes client per kubeconfig context, so a migration acts only on its own cluster.
 * KUBECONFIG as kubectl reads it; in a pod without one, the in-cluster service account.
 */
export function kubeClusters(kubeconfigPath: string | undefined): KubeClusters {
  const base = new KubeConfig();
  if (kubeconfigPath) base.loadFromFile(kubeconfigPath);
  else base.loadFromDefault();
  const configs = new Map<string, KubeConfig>();
  const clients = new Map<string, CustomObjects>();
  const coreClients = new Map<string, CoreObjects>();
  const watchers = new Map<string, ObjectWatcher>();
  const configFor = (context: string | undefined): KubeConfig => {
    const name = context ?? base.getCurrentContext();
    let kc = configs.get(name);
    if (!kc) {
      kc = new KubeConfig();
      kc.loadFromString(base.exportConfig());
      if (context) kc.setCurrentContext(context);
      configs.set(name, kc);
    }
    return kc;
  };
  const perContext = <T>(cache: Map<string, T>, make: (kc: KubeConfig, context: string | undefined) => T) => (migration: MigrationSettings): T => {
    const name = migration.context ?? base.getCurrentContext();
    let client = cache.get(name);
    if (!client) {
      client = make(configFor(migration.context), migration.context);
      cache.set(name, client);
    }
    return client;
  };
  const forMigration = perContext(clients, (kc) => new CustomObjects(kc));
  return {
    forMigration,
    watcherForMigration: perContext(watchers, (kc, context) => new ObjectWatcher(kc, forMigration({ context } as MigrationSettings))),
    coreForMigration: perContext(coreClients, (kc) => new CoreObjects(kc)),
    unreachable: async (migrations) => {
      const contexts = [...new Set(migrations.map((m) => m.context))];
      const problems = await Promise.all(
        contexts.map(async (context) => {
          try {
            await withTimeout(configFor(context).makeApiClient(VersionApi).getCode(), READY_TIMEOUT_MS, 'version');
            return undefined;
          } catch (error) {
            return `kubernetes ${context ?? base.getCurrentContext()}: ${(error as Error).message}`;
          }
        }),
      );
      return problems.filter((p): p is string => p !== undefined);
    },
  };
}
