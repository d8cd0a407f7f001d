import type { RemedyFacts } from './logs/remedy-facts.js';

/**
 * The Cloud Run sidecar checks of the docs, as commands an operator can paste: the
 * Traffic Director permission grant and the CSDS proxy-status query, with what is known
 * filled in and every remaining placeholder named.
 *
 * Example: parseGkeContext('gke_shop-prod_us-central1_mesh') → {project: 'shop-prod', location: 'us-central1', cluster: 'mesh'}
 */
export interface GkeContext {
  readonly project: string;
  readonly location: string;
  readonly cluster: string;
}

/** The context names `gcloud container clusters get-credentials` writes: `gke_PROJECT_LOCATION_CLUSTER`. */
export function parseGkeContext(context: string | undefined): GkeContext | undefined {
  const match = /^gke_([a-z][a-z0-9-]{4,28}[a-z0-9])_([a-z0-9-]+)_([a-z0-9-]+)$/.exec(context ?? '');
  if (!match) return undefined;
  return { project: match[1] as string, location: match[2] as string, cluster: match[3] as string };
}

export interface FilledCommand {
  readonly command: string;
  /** The placeholders left in `command`, each with where to find its value. */
  readonly fill: readonly string[];
}

/** The grant that ends `Permission 'trafficdirector.networks.getConfigs' denied`. */
export function trafficDirectorGrant(project: string | undefined): FilledCommand {
  const fill = ['SERVICE_ACCOUNT — the runtime service account of the Cloud Run service (see below; the Compute Engine default PROJECT_NUMBER-compute@developer.gserviceaccount.com when none is set)'];
  if (project === undefined) fill.unshift('PROJECT_ID — the mesh project (the project in the denied resource `projects/…/global/networks/…`)');
  return { command: `gcloud projects add-iam-policy-binding ${project ?? 'PROJECT_ID'} --member=serviceAccount:SERVICE_ACCOUNT --role=roles/trafficdirector.client`, fill };
}

/** A Cloud Run service whose sidecar was denied, and its region when the entry said. */
export interface DeniedService {
  readonly name: string;
  readonly region: string | undefined;
}

/** The Cloud Run services the denials came from, each once. */
export function deniedServices(sources: readonly RemedyFacts[]): DeniedService[] {
  const services = new Map<string, string | undefined>();
  for (const { service, region } of sources) if (service && !services.get(service)) services.set(service, region);
  return [...services].map(([name, region]) => ({ name, region }));
}

/**
 * The fix for Traffic Director permission denials, one line each, for `/mesh troubleshoot`
 * and the rollback report alike: the grant on the mesh project (from the denied resource, else
 * the project meshbot reads logs from), its placeholders, and each service's account lookup.
 */
export function trafficDirectorFix(sources: readonly RemedyFacts[], logsProject: string | undefined): string[] {
  const denied = sources.find((s) => s.deniedProject !== undefined)?.deniedProject;
  const project = denied ?? logsProject;
  const grant = trafficDirectorGrant(project);
  const services = deniedServices(sources);
  const lookups = services.length > 0 ? services.map((s) => serviceAccountLookup(s.name, s.region, logsProject)) : [serviceAccountLookup('SERVICE', undefined, logsProject)];
  const where = denied ? ` (${denied}, from the denied resource)` : project ? ` (${project}, the project meshbot reads logs from: check that it is the mesh project)` : '';
  return [
    `Fix: grant the Cloud Run service account roles/trafficdirector.client on the mesh project${where}:`,
    `\`${grant.command}\``,
    ...grant.fill.map((f) => `↳ ${f}`),
    services.length === 1 ? `The service account of ${services[0]?.name}:` : 'The service account of each service:',
    ...lookups.map((lookup) => `\`${lookup}\``),
  ];
}

/** Prints a Cloud Run service's runtime service account (empty: the Compute Engine default). */
export function serviceAccountLookup(service: string, region: string | undefined, project: string | undefined): string {
  const flags = [`--region=${region ?? 'REGION'}`, ...(project ? [`--project=${project}`] : [])].join(' ');
  return `gcloud run services describe ${service} ${flags} --format='value(spec.template.spec.serviceAccountName)'`;
}

/** CSDS: the configuration the control plane sent each proxy, and whether it was accepted. */
export function proxyStatusCommand(context: string | undefined): FilledCommand {
  const gke = parseGkeContext(context);
  if (!gke) {
    return {
      command: 'gcloud alpha container fleet mesh debug proxy-status --membership=MEMBERSHIP --location=LOCATION',
      fill: [
        'MEMBERSHIP — the fleet membership name of the cluster (`gcloud container fleet memberships list`)',
        'LOCATION — the membership location shown there (global, or the cluster\'s region)',
      ],
    };
  }
  return {
    command: `gcloud alpha container fleet mesh debug proxy-status --membership=${gke.cluster} --location=${gke.location} --project=${gke.project}`,
    fill: [
      `from the kubeconfig context ${context}: membership ${gke.cluster} and location ${gke.location} are guesses — a cluster registered with the defaults has the membership name of the cluster; check with \`gcloud container fleet memberships list --project=${gke.project}\` (the location may be global)`,
    ],
  };
}
