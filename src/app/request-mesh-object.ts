import { firstServicePort, hasDesiredContent, isManagedByMeshbot, meshObjectsOf, type MeshObjectRequest } from '../domain/mesh-objects.js';
import type { MeshCommand } from '../domain/command/mesh-command.js';
import { mayRequest } from '../domain/operation/approval-policy.js';
import { describeOperation, type Operation } from '../domain/operation/operation.js';
import { err, ok, type Result } from '../domain/result.js';
import { notOursMessage, readIfPresent } from '../kube/apply-managed-object.js';
import { KubeError } from '../kube/kube-error.js';
import { clusterLabel, lockOf, type Actor, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { meshObjectType } from './mesh-object-edit.js';
import { policyActor, policyFor } from './policy-for.js';
import { busyText } from './request-change.js';
import { closedReason, closedRefusal, neededFor } from './change-policy.js';

type MeshObjectCommand = Extract<MeshCommand, { kind: 'export' } | { kind: 'register' }>;

const NOTHING = 'Nothing was requested.';

/**
 * `/mesh export` and `/mesh register`: checks who asks (the channel's migration lends its
 * requesters and approvers, and its cluster), reads what the objects would replace, and
 * records the operation with Approve/Reject like any step. Nothing is queued when a check
 * fails: a missing Service, an object meshbot does not own, nothing to change.
 */
export async function requestMeshObject(deps: AppDeps, command: MeshObjectCommand, actor: Actor): Promise<Reply> {
  const migration = channelMigration(deps, actor.channelId, command.kind);
  if (!migration.ok) return { text: migration.error };
  const m = migration.value;
  const allowed = mayRequest(policyFor(m), await policyActor(deps, m, actor.userId));
  if (!allowed.ok) return { text: `${allowed.error} ${NOTHING}` };
  const closed = closedReason(deps, m);
  if (closed) return { text: closedRefusal(closed, `/mesh ${command.kind}`, command.kind) };
  let request: Result<MeshObjectRequest, string>;
  try {
    request = command.kind === 'export' ? await exportRequest(deps, m, command) : await registerRequest(deps, m, command);
    if (request.ok) {
      const blocked = await objectsBlocked(deps, m, request.value);
      if (blocked !== undefined) return { text: blocked };
    }
  } catch (error) {
    return { text: `${kubeReadProblem(error, m)} ${NOTHING}` };
  }
  if (!request.ok) return { text: request.error };
  const now = deps.now();
  const op: Operation = {
    id: deps.newId(),
    migration: m.name,
    kind: command.kind,
    percent: 0,
    state: 'requested',
    requestedBy: actor.userId,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + m.approvalTimeoutMs).toISOString(),
    channel: m.channel,
    meshObject: request.value,
    approvalsNeeded: neededFor(m, { kind: command.kind, percent: 0 }, false),
    version: 0,
    history: [{ at: now.toISOString(), state: 'requested', by: actor.userId }],
  };
  const created = await deps.store.create(op, lockOf(m));
  if (!created.ok) return { text: busyText(created.error) };
  await deps.jobs.enqueue('prepare', op.id);
  await deps.jobs.enqueue('expire', op.id, { delayMs: m.approvalTimeoutMs });
  return { text: `Requested: ${describeOperation(op)} in ${clusterLabel(m)}. The request and its Approve/Reject buttons are in this channel; approvers are those of ${m.name} (operation ${op.id}).` };
}

/** Export and register have no migration argument: the channel's one migration decides who approves. */
function channelMigration(deps: AppDeps, channelId: string, verb: string): Result<MigrationSettings, string> {
  const here = deps.migrations.filter((m) => m.channel === channelId);
  if (here.length === 1) return ok(here[0] as MigrationSettings);
  if (here.length === 0) {
    return err(`/mesh ${verb} takes its approvers and its cluster from this channel's migration, and no migration is configured for this channel. Run it in a migration's channel, or add one to the migrations file (channel: this channel's id). ${NOTHING}`);
  }
  return err(`/mesh ${verb} takes its approvers and its cluster from this channel's migration, and this channel has several (${here.map((m) => m.name).join(', ')}). Run it in a channel with exactly one migration. ${NOTHING}`);
}

async function exportRequest(deps: AppDeps, migration: MigrationSettings, command: Extract<MeshCommand, { kind: 'export' }>): Promise<Result<MeshObjectRequest, string>> {
  const namespace = command.namespace ?? migration.namespace;
  if (!deps.core) return err(`This meshbot process cannot read Kubernetes Services, so it cannot check ${namespace}/${command.service}. ${NOTHING}`);
  let service;
  try {
    service = await deps.core(migration).getService({ namespace, name: command.service });
  } catch (error) {
    if (error instanceof KubeError && error.kind === 'not-found') {
      const hint = command.namespace === undefined ? ` (the namespace defaults to the migration's, ${namespace}; give --namespace for another)` : '';
      return err(`Kubernetes Service ${namespace}/${command.service} was not found in ${clusterLabel(migration)}${hint}. /mesh export routes Cloud Run to an existing Service: check its name and namespace. ${NOTHING}`);
    }
    throw error;
  }
  const port = firstServicePort(service);
  if (port === undefined) return err(`Kubernetes Service ${namespace}/${command.service} has no ports, so there is nothing to route to. ${NOTHING}`);
  return ok({ kind: 'export', service: command.service, namespace, dnsSuffix: command.dnsSuffix, port });
}

async function registerRequest(deps: AppDeps, migration: MigrationSettings, command: Extract<MeshCommand, { kind: 'register' }>): Promise<Result<MeshObjectRequest, string>> {
  const namespace = command.namespace ?? migration.namespace;
  if (deps.core) {
    const clash = await deps.core(migration)
      .getService({ namespace, name: command.name })
      .then(() => true)
      .catch((error: unknown) => {
        if (error instanceof KubeError && error.kind === 'not-found') return false;
        throw error;
      });
    if (clash) return err(`A Kubernetes Service ${namespace}/${command.name} already exists: a ServiceEntry for ${command.name}.${namespace}.svc.cluster.local would clash with it. Register the VM under another name. ${NOTHING}`);
  }
  return ok({ kind: 'register', name: command.name, namespace, ip: command.address.ip, port: command.address.port, labels: command.labels });
}

/** Someone else's object in the way, or nothing to change: said now, before anything is queued. */
async function objectsBlocked(deps: AppDeps, migration: MigrationSettings, request: MeshObjectRequest): Promise<string | undefined> {
  const objects = meshObjectsOf(request);
  const current = await Promise.all(objects.map((o) => readIfPresent(deps.kube(migration), meshObjectType(o.kind), { namespace: o.metadata.namespace, name: o.metadata.name })));
  const foreign = objects.find((o, i) => current[i] !== undefined && !isManagedByMeshbot(current[i]));
  if (foreign) return `${notOursMessage(foreign)}. ${NOTHING}`;
  if (objects.every((o, i) => hasDesiredContent(current[i], o))) {
    return `Nothing to do: ${objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).join(' and ')} ${objects.length > 1 ? 'are' : 'is'} already as requested (${describeOperation({ kind: request.kind, percent: 0, migration: migration.name, meshObject: request })}).`;
  }
  return undefined;
}

function kubeReadProblem(error: unknown, migration: MigrationSettings): string {
  if (!(error instanceof KubeError)) return `Could not read from the Kubernetes API (${clusterLabel(migration)}): ${String((error as Error)?.message ?? error)}.`;
  if (error.kind === 'forbidden') return `meshbot may not read what it needs in ${clusterLabel(migration)} (403 Forbidden: ${error.message}). Grant its service account get on services and on virtualservices, serviceentries and workloadentries (networking.istio.io).`;
  return `The Kubernetes API of ${clusterLabel(migration)} did not answer (${error.message}); try again shortly.`;
}
