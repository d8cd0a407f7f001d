import { describe, expect, it } from 'vitest';
import { deniedProject } from '../../../src/domain/logs/remedy-facts.js';
import { deniedServices, parseGkeContext, proxyStatusCommand, serviceAccountLookup, trafficDirectorFix, trafficDirectorGrant } from '../../../src/domain/troubleshoot.js';

describe('the troubleshooting commands', () => {
  it('grants roles/trafficdirector.client on the mesh project, naming the service account to fill in', () => {
    const grant = trafficDirectorGrant('123');
    expect(grant.command).toBe('gcloud projects add-iam-policy-binding 123 --member=serviceAccount:SERVICE_ACCOUNT --role=roles/trafficdirector.client');
    expect(grant.fill).toHaveLength(1);
    expect(grant.fill[0]).toMatch(/^SERVICE_ACCOUNT — the runtime service account of the Cloud Run service/);
    const unknown = trafficDirectorGrant(undefined);
    expect(unknown.command).toContain('add-iam-policy-binding PROJECT_ID ');
    expect(unknown.fill[0]).toMatch(/^PROJECT_ID — the mesh project/);
  });

  it('looks up the service account of a Cloud Run service', () => {
    expect(serviceAccountLookup('checkout', 'us-central1', 'shop')).toBe("gcloud run services describe checkout --region=us-central1 --project=shop --format='value(spec.template.spec.serviceAccountName)'");
    expect(serviceAccountLookup('checkout', undefined, undefined)).toBe("gcloud run services describe checkout --region=REGION --format='value(spec.template.spec.serviceAccountName)'");
  });

  it('fills the CSDS proxy-status command from a GKE context, and names the placeholders otherwise', () => {
    expect(parseGkeContext('gke_shop-prod_us-central1_mesh')).toEqual({ project: 'shop-prod', location: 'us-central1', cluster: 'mesh' });
    expect(parseGkeContext('minikube')).toBeUndefined();
    expect(parseGkeContext(undefined)).toBeUndefined();
    const filled = proxyStatusCommand('gke_shop-prod_us-central1_mesh');
    expect(filled.command).toBe('gcloud alpha container fleet mesh debug proxy-status --membership=mesh --location=us-central1 --project=shop-prod');
    expect(filled.fill[0]).toContain('gcloud container fleet memberships list --project=shop-prod');
    const blank = proxyStatusCommand(undefined);
    expect(blank.command).toBe('gcloud alpha container fleet mesh debug proxy-status --membership=MEMBERSHIP --location=LOCATION');
    expect(blank.fill.map((f) => f.split(' — ')[0])).toEqual(['MEMBERSHIP', 'LOCATION']);
  });

  it('reads the project of the denied resource', () => {
    expect(deniedProject("Permission 'trafficdirector.networks.getConfigs' denied on resource 'projects/123/global/networks/default' (or it may not exist).")).toBe('123');
    expect(deniedProject('closed: 7, something else')).toBeUndefined();
  });
});

describe('the Traffic Director fix', () => {
  it('fills in the project of the denied resource and looks up each Cloud Run service once', () => {
    const sources = [{ service: 'ts-client', region: 'us-central1' }, { deniedProject: '42', service: 'ts-client', region: 'us-central1' }, { deniedProject: '42', service: 'checkout' }];
    expect(deniedServices(sources)).toEqual([{ name: 'ts-client', region: 'us-central1' }, { name: 'checkout', region: undefined }]);
    expect(trafficDirectorFix(sources, 'shop-logs')).toEqual([
      'Fix: grant the Cloud Run service account roles/trafficdirector.client on the mesh project (42, from the denied resource):',
      '`gcloud projects add-iam-policy-binding 42 --member=serviceAccount:SERVICE_ACCOUNT --role=roles/trafficdirector.client`',
      expect.stringMatching(/^↳ SERVICE_ACCOUNT — /),
      'The service account of each service:',
      "`gcloud run services describe ts-client --region=us-central1 --project=shop-logs --format='value(spec.template.spec.serviceAccountName)'`",
      "`gcloud run services describe checkout --region=REGION --project=shop-logs --format='value(spec.template.spec.serviceAccountName)'`",
    ]);
  });

  it('falls back to the project meshbot reads logs from and says so, or names the placeholder', () => {
    expect(trafficDirectorFix([{ service: 'ts-client' }], 'shop-logs')[0]).toContain('(shop-logs, the project meshbot reads logs from: check that it is the mesh project)');
    const blank = trafficDirectorFix([], undefined);
    expect(blank[1]).toContain('add-iam-policy-binding PROJECT_ID ');
    expect(blank).toContain('↳ PROJECT_ID — the mesh project (the project in the denied resource `projects/…/global/networks/…`)');
    expect(blank.at(-1)).toContain('gcloud run services describe SERVICE --region=REGION');
  });
});
