/**
 * deploy/: every YAML parses, every kustomization renders (with a small renderer below: no
 * kubectl or kustomize here), every rendered object validates against the Kubernetes schemas of
 * `kubernetes-models` and has no field those schemas do not know, and the properties the install
 * relies on hold (RBAC, pod security, probes, env names, Secret keys, Redis wiring). Offline.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace, type INamespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ServiceAccount, type IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ClusterRole, type IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding, type IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role, type IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import { parseMigrationsFile } from '../../src/config/migrations-file.js';

const ROOT = join(import.meta.dirname, '../..');
const DEPLOY = join(ROOT, 'deploy');
const SLACK_MANIFEST = join(DEPLOY, 'slack-app-manifest.yaml');
const README = readFileSync(join(DEPLOY, 'README.md'), 'utf8');
const INGRESS_NOTES = readFileSync(join(DEPLOY, 'ingress-notes.md'), 'utf8');

const NAMESPACE = 'meshbot';
const IMAGE = 'ghcr.io/meshbot/meshbot';
const HTTP_PORT = 3000;
/** meshbot's environment: a public interface (DESIGN.md, "Configuration"). */
const PUBLIC_ENV = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_API_URL',
  'PORT',
  'REDIS_URL',
  'KUBECONFIG',
  'GCP_PROJECT',
  'LOGGING_API_ENDPOINT',
  'MONITORING_API_ENDPOINT',
  'MESHBOT_CONFIG',
  'MESHBOT_QUEUE_PREFIX',
  'LOG_LEVEL',
];
/** Node.js's own variables, not meshbot's: the production overlay trusts Memorystore's CA with one, the worker caps its heap with the other. */
const NODE_ENV = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];
/** What meshbot may do in Kubernetes: exactly this. */
const RBAC_RULES = [
  { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['get', 'list', 'watch', 'patch', 'create', 'update'] },
  { apiGroups: ['networking.istio.io'], resources: ['serviceentries'], verbs: ['get', 'list', 'create', 'update'] },
  { apiGroups: ['networking.istio.io'], resources: ['workloadentries'], verbs: ['get', 'create', 'update'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get'] },
  { apiGroups: ['networking.gke.io'], resources: ['gcpbackends'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
];

// ---------------------------------------------------------------------------------------------
// A small kustomize: resources (files and directories), namespace, labels/commonLabels, images,
// replicas, and patches (strategic merge, by name or by target). Anything else in a
// kustomization.yaml fails loudly, so a new feature in the manifests extends this on purpose.
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
interface Resource extends Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}
interface Target {
  kind?: string;
  name?: string;
  labelSelector?: string;
}
interface Kustomization {
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  commonLabels?: Record<string, string>;
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { path?: string; patch?: string; target?: Target }[];
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'commonLabels', 'images', 'replicas', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass']);
/** Strategic-merge keys of the lists our patches touch; other lists are replaced, as in kustomize. */
const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', env: 'name', volumes: 'name', volumeMounts: 'mountPath', imagePullSecrets: 'name' };

const isMap = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const rel = (path: string) => relative(ROOT, path);

function readDocs(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJS() as unknown)
    .filter((doc) => doc !== null && doc !== undefined);
}

function readResources(path: string): Resource[] {
  return readDocs(path).map((doc) => {
    if (!isMap(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || !isMap(doc.metadata) || typeof doc.metadata.name !== 'string') {
      throw new Error(`${rel(path)}: every document must be a Kubernetes object with apiVersion, kind and metadata.name`);
    }
    return doc as Resource;
  });
}

function readKustomization(dir: string): Kustomization {
  const file = join(dir, 'kustomization.yaml');
  const [k] = readDocs(file);
  if (!isMap(k)) throw new Error(`${rel(file)}: not a mapping`);
  const unsupported = Object.keys(k).filter((key) => !KUSTOMIZATION_FIELDS.has(key));
  if (unsupported.length > 0) throw new Error(`${rel(file)}: the test's renderer does not handle ${unsupported.join(', ')}; extend it`);
  return k as Kustomization;
}

/** `kustomize build dir`, for the features listed above. */
function build(dir: string): Resource[] {
  const k = readKustomization(dir);
  let out = (k.resources ?? []).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? build(path) : readResources(path);
  });
  for (const patch of k.patches ?? []) out = applyPatch(out, patch, dir);
  if (k.namespace) for (const r of out) if (!CLUSTER_SCOPED.has(r.kind)) r.metadata.namespace = k.namespace;
  const labelSets = [...(k.labels ?? []), ...(k.commonLabels ? [{ pairs: k.commonLabels, includeSelectors: true }] : [])];
  for (const set of labelSets) for (const r of out) addLabels(r, set.pairs, set.includeSelectors ?? false, set.includeTemplates ?? false);
  for (const { name, count } of k.replicas ?? []) {
    const targets = out.filter((r) => r.kind === 'Deployment' && r.metadata.name === name);
    if (targets.length !== 1) throw new Error(`${rel(dir)}: replicas for ${name} match ${targets.length} Deployments`);
    for (const r of targets) (r.spec as Obj).replicas = count;
  }
  for (const image of k.images ?? []) for (const r of out) for (const c of containersOf(r)) c.image = retag(c.image ?? '', image);
  const ids = out.map((r) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length > 0) throw new Error(`${rel(dir)}: ${twice.join(', ')} defined twice`);
  return out;
}

function applyPatch(resources: Resource[], entry: NonNullable<Kustomization['patches']>[number], dir: string): Resource[] {
  const where = `${rel(dir)}: patch ${entry.path ?? JSON.stringify(entry.patch?.slice(0, 60))}`;
  const text = entry.path ? readFileSync(join(dir, entry.path), 'utf8') : entry.patch;
  if (text === undefined) throw new Error(`${where}: neither path nor patch`);
  const docs = parseAllDocuments(text).map((doc) => doc.toJS() as unknown);
  const [patch] = docs;
  if (docs.length !== 1 || !isMap(patch)) throw new Error(`${where}: only single-document strategic merge patches are handled (JSON 6902: extend the renderer)`);
  const meta = isMap(patch.metadata) ? patch.metadata : {};
  const targets = entry.target ? resources.filter((r) => matchesTarget(r, entry.target as Target)) : resources.filter((r) => r.kind === patch.kind && r.metadata.name === meta.name);
  if (targets.length === 0) throw new Error(`${where}: matches no resource`);
  if (patch.$patch === 'delete') return resources.filter((r) => !targets.includes(r));
  // With a target, kustomize ignores the patch's own name.
  const body = entry.target ? { ...patch, metadata: Object.fromEntries(Object.entries(meta).filter(([key]) => key !== 'name')) } : patch;
  return resources.map((r) => (targets.includes(r) ? (strategicMerge(r, body) as Resource) : r));
}

function matchesTarget(r: Resource, target: Target): boolean {
  if (target.kind !== undefined && r.kind !== target.kind) return false;
  if (target.name !== undefined && !new RegExp(`^(?:${target.name})$`).test(r.metadata.name)) return false;
  for (const term of target.labelSelector?.split(',') ?? []) {
    const [key, value, extra] = term.split('=');
    if (key === undefined || value === undefined || extra !== undefined) throw new Error(`labelSelector ${target.labelSelector}: only key=value terms are handled`);
    if (r.metadata.labels?.[key.trim()] !== value.trim()) return false;
  }
  return true;
}

/** Strategic merge patch: maps merge, `null` deletes a key, lists with a merge key merge by it, other lists are replaced. */
function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (isMap(base) && isMap(patch)) {
    const out: Obj = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) throw new Error(`strategic merge directive ${key} inside an object is not handled`);
      if (value === null) delete out[key];
      else out[key] = strategicMerge(base[key], value, key);
    }
    return out;
  }
  const mergeKey = MERGE_KEYS[field];
  if (Array.isArray(base) && Array.isArray(patch) && mergeKey) {
    const out: unknown[] = [...base];
    for (const item of patch) {
      const at = out.findIndex((existing) => isMap(existing) && isMap(item) && existing[mergeKey] === item[mergeKey]);
      if (at >= 0) out[at] = strategicMerge(out[at], item);
      else out.push(structuredClone(item));
    }
    return out;
  }
  return structuredClone(patch);
}

function addLabels(r: Resource, pairs: Record<string, string>, selectors: boolean, templates: boolean): void {
  r.metadata.labels = { ...r.metadata.labels, ...pairs };
  const spec = isMap(r.spec) ? r.spec : undefined;
  const template = isMap(spec?.template) && isMap(spec.template.metadata) ? spec.template.metadata : undefined;
  if ((templates || selectors) && template && isMap(template.labels)) template.labels = { ...template.labels, ...pairs };
  if (!selectors || !spec) return;
  if (r.kind === 'Service') spec.selector = { ...(isMap(spec.selector) ? spec.selector : {}), ...pairs };
  else if (r.kind === 'NetworkPolicy' && isMap(spec.podSelector)) spec.podSelector.matchLabels = { ...(isMap(spec.podSelector.matchLabels) ? spec.podSelector.matchLabels : {}), ...pairs };
  else if (isMap(spec.selector)) spec.selector.matchLabels = { ...(isMap(spec.selector.matchLabels) ? spec.selector.matchLabels : {}), ...pairs };
}

function retag(image: string, entry: NonNullable<Kustomization['images']>[number]): string {
  const at = image.indexOf('@');
  const colon = image.lastIndexOf(':');
  const nameEnd = at >= 0 ? at : colon > image.lastIndexOf('/') ? colon : image.length;
  const name = image.slice(0, nameEnd);
  if (name !== entry.name) return image;
  const suffix = entry.digest ? `@${entry.digest}` : entry.newTag ? `:${entry.newTag}` : image.slice(nameEnd);
  return `${entry.newName ?? name}${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// Validation: kubernetes-models' JSON schemas, plus a check for fields the schemas do not know
// (the schemas allow unknown fields; the API server's strict field validation does not), walked
// through the models' TypeScript declarations.
// ---------------------------------------------------------------------------------------------

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};
/** Custom resources shown in the docs (GKE, Gateway API, Managed Prometheus, kustomize): no schema here. */
const DOC_ONLY_KINDS = new Set([
  'networking.gke.io/v1/ManagedCertificate',
  'cloud.google.com/v1/BackendConfig',
  'gateway.networking.k8s.io/v1/Gateway',
  'gateway.networking.k8s.io/v1/HTTPRoute',
  'networking.gke.io/v1/HealthCheckPolicy',
  'monitoring.googleapis.com/v1/PodMonitoring',
  'kustomize.config.k8s.io/v1beta1/Kustomization',
]);
const MODELS_DIR = dirname(createRequire(import.meta.url).resolve('kubernetes-models/package.json'));

function problemsOf(obj: Resource): string[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = MODELS[key];
  if (!Model) return [`${key}: no kubernetes-models class registered in this test`];
  try {
    new Model(obj as never).validate();
  } catch (error) {
    return [`${obj.kind}/${obj.metadata.name}: ${(error as Error).message}`];
  }
  const unknown: string[] = [];
  checkFields(obj, join(MODELS_DIR, obj.apiVersion, `${obj.kind}.d.ts`), `${obj.kind}/${obj.metadata.name}`, unknown);
  return unknown;
}

interface Shape {
  readonly fields: Map<string, string>;
  readonly imports: Map<string, string>;
}
const shapes = new Map<string, Shape | undefined>();

/** The properties of the interface a model's .d.ts declares, with their type text; undefined for aliases (Quantity, IntOrString, Time). */
function shapeOf(dts: string): Shape | undefined {
  if (shapes.has(dts)) return shapes.get(dts);
  const text = readFileSync(dts, 'utf8');
  const body = /export interface I\w+(?: extends [^{]+)? \{\n([\s\S]*?)\n\}/.exec(text)?.[1];
  let shape: Shape | undefined;
  if (body !== undefined) {
    const fields = new Map<string, string>();
    const lines = body.split('\n');
    lines.forEach((line, i) => {
      const prop = /^ {4}"([^"]+)"\??: (.*?);?$/.exec(line);
      if (!prop?.[1] || prop[2] === undefined) return;
      const map = prop[2] === '{' ? /^\s+\[key: string\]: (.+);$/.exec(lines[i + 1] ?? '') : null;
      fields.set(prop[1], map?.[1] ? `map:${map[1]}` : prop[2]);
    });
    const resolveFrom = createRequire(dts);
    const imports = new Map<string, string>();
    for (const [, name, spec] of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
      if (name && spec && !spec.startsWith('@kubernetes-models/base')) imports.set(name, resolveFrom.resolve(spec).replace(/\.js$/, '.d.ts'));
    }
    shape = { fields, imports };
  }
  shapes.set(dts, shape);
  return shape;
}

function checkFields(value: Obj, dts: string, path: string, problems: string[]): void {
  const shape = shapeOf(dts);
  if (!shape) return;
  for (const [key, child] of Object.entries(value)) {
    const type = shape.fields.get(key);
    if (type === undefined) problems.push(`${path}.${key}: not a field of ${basename(dts, '.d.ts')}`);
    else checkValue(child, type, shape.imports, `${path}.${key}`, problems);
  }
}

function checkValue(value: unknown, type: string, imports: Map<string, string>, path: string, problems: string[]): void {
  const item = /^Array<(.+)>$/.exec(type)?.[1];
  if (item !== undefined) {
    if (Array.isArray(value)) value.forEach((v, i) => checkValue(v, item, imports, `${path}[${i}]`, problems));
    return;
  }
  const entry = /^map:(.+)$/.exec(type)?.[1];
  if (entry !== undefined) {
    if (isMap(value)) for (const [k, v] of Object.entries(value)) checkValue(v, entry, imports, `${path}.${k}`, problems);
    return;
  }
  const dts = imports.get(type);
  if (dts && isMap(value)) checkFields(value, dts, path, problems);
}

// ---------------------------------------------------------------------------------------------
// Helpers over rendered objects.
// ---------------------------------------------------------------------------------------------

function podSpecOf(r: Resource): IPodSpec | undefined {
  return r.kind === 'Deployment' ? (r as unknown as IDeployment).spec?.template.spec : undefined;
}

function containersOf(r: Resource): IContainer[] {
  const pod = podSpecOf(r);
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

function find<T>(objects: Resource[], kind: string, name: string): T {
  const found = objects.find((r) => r.kind === kind && r.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the rendered set`);
  return found as unknown as T;
}

const deploymentsOf = (objects: Resource[]) => objects.filter((r) => r.kind === 'Deployment') as unknown as IDeployment[];
const isMeshbot = (d: IDeployment) => d.spec?.template.spec?.containers.some((c) => c.image?.startsWith(IMAGE)) ?? false;
const meshbotDeployments = (objects: Resource[]) => deploymentsOf(objects).filter(isMeshbot);
const podLabels = (d: IDeployment) => d.spec?.template.metadata?.labels ?? {};
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

function envOf(container: IContainer, name: string) {
  return container.env?.find((e) => e.name === name);
}

function portNumber(container: IContainer, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpGet(probe: IProbe | undefined) {
  return probe?.httpGet;
}

/** `kubectl … create secret generic NAME --from-literal=KEY=…` (and configmaps) in a markdown text, by name → keys. */
function kubectlCreated(markdown: string, what: 'secret generic' | 'configmap'): Map<string, Set<string>> {
  const commands = markdown.replace(/\\\n\s*/g, ' ').split('\n');
  const created = new Map<string, Set<string>>();
  for (const line of commands) {
    const match = new RegExp(`kubectl -n ${NAMESPACE} create ${what} ([a-z0-9-]+)(.*)$`).exec(line);
    if (!match?.[1]) continue;
    const keys = created.get(match[1]) ?? new Set<string>();
    for (const [, key] of (match[2] ?? '').matchAll(/--from-(?:literal|file)=([\w.-]+)=/g)) if (key) keys.add(key);
    created.set(match[1], keys);
  }
  return created;
}

function yamlBlocks(markdown: string): unknown[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap(([, block]) => parseAllDocuments(block ?? '').map((doc) => doc.toJS() as unknown));
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? allFiles(path) : [path];
  });
}

function sortedRules(rules: readonly IPolicyRule[] | undefined) {
  return (rules ?? []).map((r) => ({ apiGroups: [...(r.apiGroups ?? [])].sort(), resources: [...(r.resources ?? [])].sort(), verbs: [...r.verbs].sort() })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const KUSTOMIZATIONS = allFiles(DEPLOY)
  .filter((f) => basename(f) === 'kustomization.yaml')
  .map((f) => dirname(f));
const RENDERS = Object.fromEntries(KUSTOMIZATIONS.map((dir) => [relative(DEPLOY, dir), build(dir)])) as Record<string, Resource[]>;
const base = RENDERS.base ?? [];
const dev = RENDERS['overlays/dev'] ?? [];
const production = RENDERS['overlays/production'] ?? [];

const idsOf = (objects: Resource[]) => objects.map((r) => `${r.kind}/${r.metadata.name}`).sort();
const BASE_IDS = [
  'ClusterRole/meshbot',
  'ClusterRoleBinding/meshbot',
  'ConfigMap/meshbot-env',
  'ConfigMap/meshbot-migrations',
  'Deployment/meshbot-bot',
  'Deployment/meshbot-worker',
  'Namespace/meshbot',
  'NetworkPolicy/meshbot',
  'PodDisruptionBudget/meshbot-bot',
  'PodDisruptionBudget/meshbot-worker',
  'Service/meshbot-bot',
  'ServiceAccount/meshbot',
];

// ---------------------------------------------------------------------------------------------

describe('deploy/ files', () => {
  const yamlFiles = allFiles(DEPLOY).filter((f) => /\.ya?ml$/.test(f));

  it('has the base, both overlays and the Slack manifest', () => {
    expect(Object.keys(RENDERS).sort()).toEqual(['base', 'overlays/dev', 'overlays/production']);
    expect(yamlFiles).toContain(SLACK_MANIFEST);
  });

  it.each(yamlFiles.map((f) => [rel(f), f]))('%s parses, and reads the same as YAML 1.1 (kubectl) and YAML 1.2', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const modern = parseAllDocuments(text);
    for (const doc of modern) expect(doc.errors.map((e) => e.message)).toEqual([]);
    // Unquoted yes/no/on/off and the like are booleans to kubectl (YAML 1.1) but strings to YAML 1.2.
    const legacy = parseAllDocuments(text, { version: '1.1' });
    expect(legacy.map((d) => d.toJS() as unknown)).toEqual(modern.map((d) => d.toJS() as unknown));
  });

  it.each(KUSTOMIZATIONS.map((d) => [rel(d), d]))('%s: every resource and patch it lists exists', (_name, dir) => {
    const k = readKustomization(dir);
    const paths = [...(k.resources ?? []), ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : []))];
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(() => statSync(join(dir, path)), `${rel(dir)}: ${path}`).not.toThrow();
  });
});

describe.each(Object.keys(RENDERS).map((name) => [name]))('rendered %s', (name) => {
  const objects = RENDERS[name] ?? [];

  it('validates against the Kubernetes schemas, with no unknown fields', () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(problemsOf)).toEqual([]);
  });

  it(`puts every namespaced object in namespace ${NAMESPACE}`, () => {
    for (const r of objects) expect(r.metadata.namespace, `${r.kind}/${r.metadata.name}`).toBe(CLUSTER_SCOPED.has(r.kind) ? undefined : NAMESPACE);
  });

  it('runs every container non-root, read-only, without privilege escalation or capabilities, with requests and limits', () => {
    const deployments = deploymentsOf(objects as Resource[]);
    expect(deployments.length).toBeGreaterThanOrEqual(2);
    for (const d of deployments) {
      const pod = d.spec?.template.spec;
      const where = `Deployment/${d.metadata?.name}`;
      expect(pod?.securityContext?.runAsNonRoot, where).toBe(true);
      expect(pod?.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
      expect([pod?.hostNetwork, pod?.hostPID, pod?.hostIPC].some(Boolean), where).toBe(false);
      expect(pod?.volumes?.filter((v) => v.hostPath) ?? [], where).toEqual([]);
      for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
        const sc = c.securityContext;
        const at = `${where} container ${c.name}`;
        expect(sc?.runAsNonRoot ?? pod?.securityContext?.runAsNonRoot, at).toBe(true);
        expect(sc?.readOnlyRootFilesystem, at).toBe(true);
        expect(sc?.allowPrivilegeEscalation, at).toBe(false);
        expect(sc?.privileged ?? false, at).toBe(false);
        expect(sc?.capabilities?.drop, at).toEqual(['ALL']);
        expect(sc?.capabilities?.add ?? [], at).toEqual([]);
        for (const kind of ['requests', 'limits'] as const) {
          expect(Object.keys(c.resources?.[kind] ?? {}).sort(), `${at} ${kind}`).toEqual(['cpu', 'memory']);
        }
      }
    }
  });

  it('runs meshbot as uid 1000 (the node image user) with an emptyDir at /tmp', () => {
    const deployments = meshbotDeployments(objects);
    expect(deployments.map((d) => d.metadata?.name).sort()).toEqual(['meshbot-bot', 'meshbot-worker']);
    for (const d of deployments) {
      const pod = d.spec?.template.spec;
      for (const c of pod?.containers ?? []) {
        expect(c.securityContext?.runAsUser ?? pod?.securityContext?.runAsUser).toBe(1000);
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect(pod?.volumes?.find((v) => v.name === tmp?.name)?.emptyDir, `${d.metadata?.name}: /tmp`).toBeDefined();
      }
    }
  });

  it('starts `meshbot bot` and `meshbot worker` through the image entrypoint, with probes on /healthz and /readyz', () => {
    for (const d of meshbotDeployments(objects)) {
      const role = d.metadata?.name === 'meshbot-bot' ? 'bot' : 'worker';
      const [c, ...others] = d.spec?.template.spec?.containers ?? [];
      expect(others).toEqual([]);
      if (!c) throw new Error('no container');
      expect(c.command).toBeUndefined();
      expect(c.args).toEqual([role]);
      expect(envOf(c, 'PORT')?.value).toBe(String(HTTP_PORT));
      expect(c.ports?.map((p) => p.containerPort)).toEqual([HTTP_PORT]);
      const probes = { liveness: httpGet(c.livenessProbe), readiness: httpGet(c.readinessProbe), startup: httpGet(c.startupProbe) };
      expect(probes.liveness?.path).toBe('/healthz');
      expect(probes.readiness?.path).toBe('/readyz');
      expect(probes.startup?.path ?? '/healthz').toBe('/healthz');
      for (const probe of Object.values(probes)) if (probe) expect(portNumber(c, probe.port)).toBe(HTTP_PORT);
      // Long enough for a running patch to finish after SIGTERM.
      expect(d.spec?.template.spec?.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
      expect(d.spec?.template.spec?.serviceAccountName).toBe('meshbot');
    }
  });

  it('spreads each Deployment over nodes', () => {
    for (const d of meshbotDeployments(objects)) {
      const pod = d.spec?.template.spec;
      const spread = pod?.topologySpreadConstraints ?? [];
      const anti = pod?.affinity?.podAntiAffinity;
      expect(spread.length > 0 || anti !== undefined).toBe(true);
      for (const constraint of spread) expect(selects(constraint.labelSelector?.matchLabels, podLabels(d))).toBe(true);
      expect(spread.some((s) => s.topologyKey === 'kubernetes.io/hostname')).toBe(true);
    }
  });

  it('uses only meshbot\'s public environment variable names (and Node\'s NODE_EXTRA_CA_CERTS, NODE_OPTIONS)', () => {
    const allowed = new Set([...PUBLIC_ENV, ...NODE_ENV]);
    const env = find<IConfigMap>(objects, 'ConfigMap', 'meshbot-env');
    for (const key of Object.keys(env.data ?? {})) expect(allowed.has(key), `meshbot-env key ${key}`).toBe(true);
    for (const d of meshbotDeployments(objects)) {
      for (const c of d.spec?.template.spec?.containers ?? []) {
        for (const e of c.env ?? []) expect(allowed.has(e.name), `${d.metadata?.name}: ${e.name}`).toBe(true);
        // In a pod meshbot uses its ServiceAccount: KUBECONFIG stays unset.
        expect(envOf(c, 'KUBECONFIG')).toBeUndefined();
        expect(Object.keys(env.data ?? {})).not.toContain('KUBECONFIG');
        expect(c.envFrom?.map((f) => f.configMapRef?.name)).toEqual(['meshbot-env']);
        for (const [name, key] of [['SLACK_BOT_TOKEN', 'bot-token'], ['SLACK_SIGNING_SECRET', 'signing-secret']]) {
          expect(envOf(c, name as string)?.valueFrom?.secretKeyRef).toMatchObject({ name: 'meshbot-slack', key });
        }
      }
    }
  });

  it('mounts the migrations ConfigMap read-only where MESHBOT_CONFIG points, and the file is a valid migrations file', () => {
    const migrations = find<IConfigMap>(objects, 'ConfigMap', 'meshbot-migrations');
    for (const d of meshbotDeployments(objects)) {
      const pod = d.spec?.template.spec;
      for (const c of pod?.containers ?? []) {
        const path = envOf(c, 'MESHBOT_CONFIG')?.value ?? '';
        const mount = c.volumeMounts?.find((m) => m.mountPath === dirname(path));
        expect(mount?.readOnly, `${d.metadata?.name}: ${path}`).toBe(true);
        const volume = pod?.volumes?.find((v) => v.name === mount?.name)?.configMap;
        expect(volume?.name).toBe('meshbot-migrations');
        const key = volume?.items?.find((item) => item.path === basename(path))?.key ?? basename(path);
        const text = migrations.data?.[key];
        expect(text, `meshbot-migrations has no key ${key}`).toBeDefined();
        const parsed = parseMigrationsFile(text ?? '', key);
        expect(parsed.ok ? [] : parsed.error).toEqual([]);
      }
    }
  });

  it('refers only to ConfigMaps and Secrets it renders or that README.md creates with kubectl', () => {
    const rendered = (kind: string) => new Set(objects.filter((r) => r.kind === kind).map((r) => r.metadata.name));
    const configMaps = rendered('ConfigMap');
    const secretsInReadme = kubectlCreated(README, 'secret generic');
    const configMapsInReadme = kubectlCreated(README, 'configmap');
    const everyDocCommand = kubectlCreated(`${README}\n${INGRESS_NOTES}`, 'secret generic');
    for (const d of deploymentsOf(objects)) {
      const pod = d.spec?.template.spec;
      for (const volume of pod?.volumes ?? []) {
        const cm = volume.configMap;
        if (!cm?.name) continue;
        if (configMaps.has(cm.name)) continue;
        const keys = configMapsInReadme.get(cm.name);
        expect(keys, `ConfigMap ${cm.name} is neither rendered nor created in README.md`).toBeDefined();
        for (const item of cm.items ?? []) expect(keys?.has(item.key), `ConfigMap ${cm.name} key ${item.key}`).toBe(true);
      }
      for (const c of pod?.containers ?? []) {
        for (const from of c.envFrom ?? []) if (from.configMapRef?.name) expect(configMaps.has(from.configMapRef.name)).toBe(true);
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (!ref?.name) continue;
          // A required key must be in README.md's kubectl command; an optional one (app-token) in some documented command.
          const keys = (ref.optional ? everyDocCommand : secretsInReadme).get(ref.name);
          expect(keys?.has(ref.key), `Secret ${ref.name} key ${ref.key} (${e.name}) in a kubectl create secret command`).toBe(true);
        }
      }
    }
  });
});

describe('base', () => {
  it('renders exactly the expected objects', () => {
    expect(idsOf(base)).toEqual(BASE_IDS);
  });

  it('grants exactly the verbs the features use (patch weights; export/register create/update their own objects; the validate probe pod) and no wildcard', () => {
    const role = find<IClusterRole>(base, 'ClusterRole', 'meshbot');
    expect(sortedRules(role.rules)).toEqual(sortedRules(RBAC_RULES));
    const words = (role.rules ?? []).flatMap((r) => [...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs, ...(r.nonResourceURLs ?? [])]);
    expect(words.filter((w) => w.includes('*'))).toEqual([]);
    expect(role.aggregationRule).toBeUndefined();
    expect(base.filter((r) => r.kind === 'ClusterRole' || r.kind === 'Role')).toHaveLength(1);
  });

  it('binds the ClusterRole to the meshbot ServiceAccount only', () => {
    const binding = find<IClusterRoleBinding>(base, 'ClusterRoleBinding', 'meshbot');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'meshbot' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'meshbot', namespace: NAMESPACE }]);
  });

  it('annotates the ServiceAccount for Workload Identity', () => {
    const sa = find<IServiceAccount>(base, 'ServiceAccount', 'meshbot');
    expect(sa.metadata?.annotations?.['iam.gke.io/gcp-service-account']).toMatch(/^meshbot@[A-Za-z0-9_-]+\.iam\.gserviceaccount\.com$/);
    expect(README).toContain('--role=roles/logging.viewer');
    expect(README).toContain('--role=roles/monitoring.viewer');
    expect(README).toContain('--role=roles/iam.workloadIdentityUser');
    expect(README).toContain('.svc.id.goog[meshbot/meshbot]');
  });

  it('enforces the restricted Pod Security Standard on the namespace', () => {
    expect(find<INamespace>(base, 'Namespace', NAMESPACE).metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('runs two bots and two workers, from the placeholder image that `kustomize edit set image` replaces', () => {
    for (const d of meshbotDeployments(base)) {
      expect(d.spec?.replicas).toBe(2);
      expect(d.spec?.template.spec?.containers.map((c) => c.image)).toEqual([`${IMAGE}:0.1.0`]);
    }
    expect(readKustomization(join(DEPLOY, 'base')).images?.map((i) => i.name)).toEqual([IMAGE]);
    expect(README).toContain(`kustomize edit set image ${IMAGE}=`);
  });

  it('labels every object and pod as part of meshbot, and selects pods only by name and component', () => {
    for (const r of base) expect(r.metadata.labels?.['app.kubernetes.io/part-of'], `${r.kind}/${r.metadata.name}`).toBe('meshbot');
    for (const d of meshbotDeployments(base)) {
      expect(podLabels(d)['app.kubernetes.io/part-of']).toBe('meshbot');
      expect(Object.keys(d.spec?.selector.matchLabels ?? {}).sort()).toEqual(['app.kubernetes.io/component', 'app.kubernetes.io/name']);
    }
  });

  it('exposes the bot (only) through the Service, on the container\'s HTTP port', () => {
    const service = find<IService>(base, 'Service', 'meshbot-bot');
    const [bot, worker] = [find<IDeployment>(base, 'Deployment', 'meshbot-bot'), find<IDeployment>(base, 'Deployment', 'meshbot-worker')];
    expect(selects(service.spec?.selector, podLabels(bot))).toBe(true);
    expect(selects(service.spec?.selector, podLabels(worker))).toBe(false);
    const container = bot.spec?.template.spec?.containers[0];
    if (!container) throw new Error('no bot container');
    for (const port of service.spec?.ports ?? []) expect(portNumber(container, port.targetPort)).toBe(HTTP_PORT);
  });

  it('keeps at least one bot and one worker through voluntary disruptions', () => {
    const budgets = base.filter((r) => r.kind === 'PodDisruptionBudget') as unknown as IPodDisruptionBudget[];
    for (const d of meshbotDeployments(base)) {
      const covering = budgets.filter((b) => selects(b.spec?.selector?.matchLabels, podLabels(d)));
      expect(covering.map((b) => b.spec?.minAvailable), d.metadata?.name).toEqual([1]);
    }
  });

  it('lets in only the HTTP port, and out only DNS, Redis, HTTPS and the GKE metadata server', () => {
    const policy = find<INetworkPolicy>(base, 'NetworkPolicy', 'meshbot');
    for (const d of meshbotDeployments(base)) expect(selects(policy.spec?.podSelector.matchLabels, podLabels(d))).toBe(true);
    expect([...(policy.spec?.policyTypes ?? [])].sort()).toEqual(['Egress', 'Ingress']);
    const ingressPorts = (policy.spec?.ingress ?? []).flatMap((rule) => rule.ports ?? [undefined]);
    expect(ingressPorts).toEqual([{ protocol: 'TCP', port: HTTP_PORT }]);
    const egress = policy.spec?.egress ?? [];
    // No rule without ports (that would allow every port).
    for (const rule of egress) expect(rule.ports?.length ?? 0).toBeGreaterThan(0);
    const anywhere = egress.filter((rule) => !rule.to).flatMap((rule) => (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}`));
    expect(anywhere.sort()).toEqual(['TCP/443', 'TCP/53', 'TCP/6378', 'TCP/6379', 'UDP/53']);
    for (const rule of egress.filter((r) => r.to)) {
      for (const peer of rule.to ?? []) expect(peer.ipBlock?.cidr).toMatch(/^169\.254\.169\.25[24]\/32$/);
    }
  });
});

describe('overlays', () => {
  it('dev: one bot, one worker, an in-cluster Redis that REDIS_URL points at, and no disruption budgets', () => {
    expect(idsOf(dev)).toEqual(
      [...BASE_IDS.filter((id) => !id.startsWith('PodDisruptionBudget/')), 'Deployment/meshbot-redis', 'NetworkPolicy/meshbot-apiserver-6443', 'NetworkPolicy/meshbot-redis', 'Service/meshbot-redis'].sort(),
    );
    for (const d of meshbotDeployments(dev)) expect(d.spec?.replicas).toBe(1);
    const redis = find<IDeployment>(dev, 'Deployment', 'meshbot-redis');
    expect(redis.spec?.template.spec?.containers.map((c) => c.image)).toEqual(['redis:7-alpine']);
    const service = find<IService>(dev, 'Service', 'meshbot-redis');
    expect(selects(service.spec?.selector, podLabels(redis))).toBe(true);
    const url = new URL(find<IConfigMap>(dev, 'ConfigMap', 'meshbot-env').data?.REDIS_URL ?? '');
    expect([url.protocol, url.hostname, Number(url.port)]).toEqual(['redis:', service.metadata?.name, service.spec?.ports?.[0]?.port]);
    const redisPolicy = find<INetworkPolicy>(dev, 'NetworkPolicy', 'meshbot-redis');
    const bot = find<IDeployment>(dev, 'Deployment', 'meshbot-bot');
    expect(selects(redisPolicy.spec?.ingress?.[0]?.from?.[0]?.podSelector?.matchLabels, podLabels(bot))).toBe(true);
  });

  it('production: two of each, REDIS_URL from the Secret meshbot-redis (Memorystore, TLS on 6378) and Memorystore\'s CA trusted', () => {
    expect(idsOf(production)).toEqual(BASE_IDS);
    expect(find<IConfigMap>(production, 'ConfigMap', 'meshbot-env').data?.REDIS_URL).toBeUndefined();
    for (const d of meshbotDeployments(production)) {
      expect(d.spec?.replicas).toBe(2);
      const pod = d.spec?.template.spec;
      for (const c of pod?.containers ?? []) {
        expect(envOf(c, 'REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'meshbot-redis', key: 'url' });
        const ca = envOf(c, 'NODE_EXTRA_CA_CERTS')?.value ?? '';
        const mount = c.volumeMounts?.find((m) => m.mountPath === dirname(ca));
        const volume = pod?.volumes?.find((v) => v.name === mount?.name)?.configMap;
        expect(volume?.name).toBe('meshbot-redis-ca');
        expect(volume?.items?.map((i) => i.path)).toContain(basename(ca));
      }
    }
    const command = README.replace(/\\\n\s*/g, ' ').match(/create secret generic meshbot-redis\s+--from-literal=url="([^"]+)"/)?.[1];
    expect(command).toMatch(/^rediss:\/\/:\$AUTH_STRING@\$MEMORYSTORE_IP:6378$/);
  });
});

describe('docs', () => {
  const blocks = [...yamlBlocks(README), ...yamlBlocks(INGRESS_NOTES)];

  it('every Kubernetes object shown in README.md and ingress-notes.md validates (custom resources: named ones only)', () => {
    expect(blocks.length).toBeGreaterThan(5);
    for (const doc of blocks) {
      if (!isMap(doc)) throw new Error('a YAML block that is not a mapping');
      const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
      if (DOC_ONLY_KINDS.has(key)) continue;
      expect(MODELS[key], `${key}: add it to MODELS or DOC_ONLY_KINDS`).toBeDefined();
      expect(problemsOf(doc as Resource)).toEqual([]);
    }
  });

  it('shows Roles per namespace with exactly the ClusterRole\'s rules', () => {
    const roles = blocks.filter((doc) => isMap(doc) && doc.kind === 'Role') as unknown as IRole[];
    expect(roles).toHaveLength(1);
    expect(sortedRules(roles[0]?.rules)).toEqual(sortedRules(find<IClusterRole>(base, 'ClusterRole', 'meshbot').rules));
  });

  it('exposes only /slack/events in the Ingress example, to the bot Service', () => {
    const ingresses = blocks.filter((doc) => isMap(doc) && doc.kind === 'Ingress') as { spec: { rules: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }[] } }[];
    const paths = ingresses.flatMap((i) => i.spec.rules.flatMap((r) => r.http.paths));
    expect(paths.map((p) => [p.path, p.backend.service.name])).toEqual([['/slack/events', 'meshbot-bot']]);
  });
});

describe('Slack app manifest', () => {
  const manifest = parseDocument(readFileSync(SLACK_MANIFEST, 'utf8')).toJS() as {
    oauth_config: { scopes: { bot: string[] } };
    features: { slash_commands: { command: string; url?: string }[] };
    settings: { interactivity: { request_url?: string } };
  };

  it('asks for exactly the bot scopes commands, chat:write, usergroups:read', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'commands', 'usergroups:read']);
  });

  it('registers /mesh, and sends it and the buttons to /slack/events', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/mesh']);
    expect(manifest.features.slash_commands[0]?.url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    expect(manifest.settings.interactivity.request_url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
  });
});

describe('the test\'s kustomize renderer', () => {
  it('merges maps, deletes on null, merges containers and env by name, replaces other lists', () => {
    const merged = strategicMerge(
      { data: { A: '1', B: '2' }, spec: { containers: [{ name: 'c', env: [{ name: 'X', value: '1' }], args: ['a'] }] } },
      { data: { B: null, C: '3' }, spec: { containers: [{ name: 'c', env: [{ name: 'Y', value: '2' }], args: ['b'] }] } },
    );
    expect(merged).toEqual({ data: { A: '1', C: '3' }, spec: { containers: [{ name: 'c', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }], args: ['b'] }] } });
  });

  it('retags only the named image', () => {
    expect(retag('ghcr.io/meshbot/meshbot:0.1.0', { name: IMAGE, newTag: '0.2.0' })).toBe('ghcr.io/meshbot/meshbot:0.2.0');
    expect(retag('ghcr.io/meshbot/meshbot', { name: IMAGE, newName: 'r.example/mb', digest: 'sha256:abc' })).toBe('r.example/mb@sha256:abc');
    expect(retag('redis:7-alpine', { name: IMAGE, newTag: '0.2.0' })).toBe('redis:7-alpine');
  });

  it('catches a misspelt field that the schemas alone let through', () => {
    const deployment = structuredClone(find<Resource>(base, 'Deployment', 'meshbot-bot'));
    const container = (deployment as unknown as IDeployment).spec?.template.spec?.containers[0] as unknown as Obj;
    (container.securityContext as Obj).readOnlyRootFileSystem = true;
    expect(problemsOf(deployment)).toEqual(['Deployment/meshbot-bot.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem: not a field of SecurityContext']);
  });
});
