import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface KubeconfigTarget {
  url: string;
  token: string;
  /** Context (and cluster/user) name. Default 'meshbot-harness'. */
  contextName?: string;
  /** The context's default namespace. */
  namespace?: string;
}

const DEFAULT_CONTEXT = 'meshbot-harness';

/** A plain-http cluster entry needs skipTLSVerify, or client-node refuses to call it. */
function kubeconfigDocument(target: KubeconfigTarget): Record<string, unknown> {
  const name = target.contextName ?? DEFAULT_CONTEXT;
  const context: Record<string, string> = { cluster: name, user: name };
  if (target.namespace) context.namespace = target.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: target.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token: target.token } }],
    contexts: [{ name, context }],
    'current-context': name,
  };
}

export function buildKubeConfig(target: KubeconfigTarget): KubeConfig {
  const name = target.contextName ?? DEFAULT_CONTEXT;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name, server: target.url, skipTLSVerify: true }],
    users: [{ name, token: target.token }],
    contexts: [{ name, cluster: name, user: name, ...(target.namespace ? { namespace: target.namespace } : {}) }],
    currentContext: name,
  });
  return kc;
}

/** Writes a kubeconfig YAML file that child processes can use through KUBECONFIG. */
export async function writeKubeconfigFile(path: string, target: KubeconfigTarget): Promise<void> {
  await writeFile(path, stringify(kubeconfigDocument(target)), { mode: 0o600 });
}
