import { describe, expect, it } from 'vitest';
import { describeGcpBackend } from '../../../src/domain/gcp-backend.js';

const backend = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.gke.io/v1', kind: 'GCPBackend', metadata: { name: 'b', namespace: 'payments' }, spec });

describe('describeGcpBackend', () => {
  it('describes a Cloud Run backend by service, region and project, with no warnings when all is as the docs want', () => {
    expect(describeGcpBackend(backend({ cloudrun: { service: 'checkout', regions: ['us-central1'], project: 'shop' } }), { meshProject: 'shop' })).toEqual({
      kind: 'cloud-run',
      summary: 'Cloud Run service checkout in us-central1, project shop',
      warnings: [],
    });
  });

  it("says the project defaults to the cluster's when the spec names none", () => {
    expect(describeGcpBackend(backend({ cloudrun: { service: 'checkout', regions: ['europe-west1'] } }), { meshProject: 'shop' }).summary).toBe("Cloud Run service checkout in europe-west1, project shop (default: the cluster's)");
    expect(describeGcpBackend(backend({ cloudrun: { service: 'checkout', regions: ['europe-west1'] } }), {}).summary).toBe("Cloud Run service checkout in europe-west1, project the cluster's (default)");
  });

  it('warns when the Cloud Run project is not the mesh project (the docs: must be the same project)', () => {
    const described = describeGcpBackend(backend({ cloudrun: { service: 'checkout', regions: ['us-central1'], project: 'elsewhere' } }), { meshProject: 'shop' });
    expect(described.warnings).toEqual(['Cloud Run project elsewhere is not the mesh project shop: the Cloud Run service must be in the same project as the mesh (spec.cloudrun.project)']);
  });

  it('warns about a missing service, a service name over 49 characters and anything but exactly one region', () => {
    expect(describeGcpBackend(backend({ cloudrun: { regions: [] } }), {}).warnings).toEqual([
      'spec.cloudrun.service is missing: name the Cloud Run service the GCPBackend stands for',
      'spec.cloudrun.regions lists 0 regions; a GCPBackend takes exactly one',
    ]);
    const long = 'a'.repeat(50);
    expect(describeGcpBackend(backend({ cloudrun: { service: long, regions: ['us-central1', 'us-east1'] } }), {}).warnings).toEqual([
      `spec.cloudrun.service "${long}" is 50 characters; the API takes 1–49`,
      'spec.cloudrun.regions lists 2 regions; a GCPBackend takes exactly one',
    ]);
  });

  it('reads a Compute Engine backend generically (unverified fields) and warns that VMs get no mTLS', () => {
    for (const spec of [{ backendService: { name: 'billing-bs' } }, { backendService: 'billing-bs' }, { computeEngine: { backendService: 'billing-bs' } }]) {
      const described = describeGcpBackend(backend(spec), { meshProject: 'shop' });
      expect(described.kind).toBe('compute-engine');
      expect(described.summary).toMatch(/^Compute Engine backend billing-bs \(spec\.(backendService|computeEngine); the VM variant's fields are unverified\)$/);
      expect(described.warnings).toEqual(['No mTLS to Compute Engine VM backends: traffic from the sidecars to these VMs is not mutually authenticated']);
    }
  });

  it('warns when a Compute Engine backend names another project', () => {
    expect(describeGcpBackend(backend({ computeEngine: { name: 'vms', project: 'elsewhere' } }), { meshProject: 'shop' }).warnings).toContain(
      'Compute Engine project elsewhere is not the mesh project shop: the VMs must be in the same project as the mesh',
    );
  });

  it('names what it could not recognise, and never throws on odd input', () => {
    expect(describeGcpBackend(backend({ somethingNew: {} }), {})).toEqual({
      kind: 'unknown',
      summary: 'neither spec.cloudrun nor a Compute Engine backend (spec keys: somethingNew)',
      warnings: ['The GCPBackend names no Cloud Run service (spec.cloudrun) and no Compute Engine backend: check its spec before shifting traffic to it'],
    });
    for (const odd of [null, 42, 'text', [], { spec: null }, { spec: { cloudrun: { service: 7, regions: 'us' } } }]) expect(() => describeGcpBackend(odd, {})).not.toThrow();
  });
});
