import { describe, expect, it } from 'vitest';
import {
  describeMeshObjectRequest,
  exportVirtualService,
  firstServicePort,
  hasDesiredContent,
  isManagedByMeshbot,
  meshObjectReminders,
  registerObjects,
  updatedObject,
  type ExportRequest,
  type RegisterRequest,
} from '../../../src/domain/mesh-objects.js';
import { validateIstioObject } from '../../../src/schema/istio-schema.js';

const EXPORT: ExportRequest = { kind: 'export', service: 'checkout', namespace: 'shop', dnsSuffix: 'mesh.example.internal', port: 8080 };
const REGISTER: RegisterRequest = { kind: 'register', name: 'billing-vm', namespace: 'payments', ip: '10.128.0.7', port: 8080, labels: {} };

describe('exportVirtualService', () => {
  it('binds SERVICE.SUFFIX to the external-mesh gateway and routes to the Service and its port, in its namespace', () => {
    expect(exportVirtualService(EXPORT)).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'checkout-external-mesh', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'meshbot' } },
      spec: {
        hosts: ['checkout.mesh.example.internal'],
        gateways: ['external-mesh'],
        http: [{ route: [{ destination: { host: 'checkout.shop.svc.cluster.local', port: { number: 8080 } } }] }],
      },
    });
  });

  it('is a valid VirtualService by the Istio CRD schema', () => {
    expect(validateIstioObject(exportVirtualService(EXPORT))).toEqual([]);
    expect(validateIstioObject(exportVirtualService({ ...EXPORT, port: 65535 }))).toEqual([]);
  });
});

describe('registerObjects', () => {
  it('writes a WorkloadEntry with the address, app: NAME and the port, and a MESH_INTERNAL STATIC ServiceEntry selecting it', () => {
    const [workloadEntry, serviceEntry] = registerObjects(REGISTER);
    expect(workloadEntry).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: { name: 'billing-vm', namespace: 'payments', labels: { 'app.kubernetes.io/managed-by': 'meshbot' } },
      spec: { address: '10.128.0.7', labels: { app: 'billing-vm' }, ports: { http: 8080 } },
    });
    expect(serviceEntry).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'billing-vm', namespace: 'payments', labels: { 'app.kubernetes.io/managed-by': 'meshbot' } },
      spec: {
        hosts: ['billing-vm.payments.svc.cluster.local'],
        location: 'MESH_INTERNAL',
        ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }],
        resolution: 'STATIC',
        workloadSelector: { labels: { app: 'billing-vm' } },
      },
    });
  });

  it('adds --label labels, lets --label app=… replace app: NAME, and selects on exactly the labels of the WorkloadEntry', () => {
    const [workloadEntry, serviceEntry] = registerObjects({ ...REGISTER, labels: { app: 'billing', version: 'v1' } });
    expect((workloadEntry.spec as { labels: unknown }).labels).toEqual({ app: 'billing', version: 'v1' });
    expect((serviceEntry.spec as { workloadSelector: unknown }).workloadSelector).toEqual({ labels: { app: 'billing', version: 'v1' } });
  });

  it('gives valid objects by the Istio CRD schemas, IPv6 included', () => {
    for (const request of [REGISTER, { ...REGISTER, ip: 'fd00::7', labels: { 'example.com/tier': 'web' } }]) {
      for (const object of registerObjects(request)) expect(validateIstioObject(object)).toEqual([]);
    }
  });
});

describe('ownership and updates', () => {
  const desired = exportVirtualService(EXPORT);
  const ours = { ...desired, metadata: { ...desired.metadata, resourceVersion: '42', annotations: { note: 'kept' } }, status: { x: 1 } };

  it('tells meshbot objects from everyone else by the managed-by label', () => {
    expect(isManagedByMeshbot(ours)).toBe(true);
    expect(isManagedByMeshbot({ metadata: { labels: { 'app.kubernetes.io/managed-by': 'helm' } } })).toBe(false);
    expect(isManagedByMeshbot({ metadata: {} })).toBe(false);
    expect(isManagedByMeshbot(null)).toBe(false);
  });

  it('takes an object with the same spec and our label as already done, and nothing else', () => {
    expect(hasDesiredContent(ours, desired)).toBe(true);
    expect(hasDesiredContent(ours, exportVirtualService({ ...EXPORT, port: 9090 }))).toBe(false);
    expect(hasDesiredContent({ ...ours, metadata: { name: 'x' } }, desired)).toBe(false);
    expect(hasDesiredContent(undefined, desired)).toBe(false);
  });

  it('updates the spec and keeps the resourceVersion (the precondition), other labels and annotations; drops status', () => {
    const current = { ...ours, metadata: { ...ours.metadata, labels: { team: 'shop', 'app.kubernetes.io/managed-by': 'meshbot' } } };
    const next = updatedObject(current, exportVirtualService({ ...EXPORT, port: 9090 }));
    expect(next.metadata).toEqual({ name: 'checkout-external-mesh', namespace: 'shop', resourceVersion: '42', annotations: { note: 'kept' }, labels: { team: 'shop', 'app.kubernetes.io/managed-by': 'meshbot' } });
    expect(next.status).toBeUndefined();
    expect(JSON.stringify(next.spec)).toContain('"number":9090');
  });
});

describe('descriptions', () => {
  it('describes requests in a line', () => {
    expect(describeMeshObjectRequest(EXPORT)).toBe('export shop/checkout as checkout.mesh.example.internal');
    expect(describeMeshObjectRequest(REGISTER)).toBe('register payments/billing-vm at 10.128.0.7:8080');
    expect(describeMeshObjectRequest({ ...REGISTER, ip: 'fd00::7' })).toBe('register payments/billing-vm at [fd00::7]:8080');
  });

  it('reminds of the private DNS zone for the suffix and of PERMISSIVE mTLS for an export', () => {
    const text = meshObjectReminders(EXPORT).join('\n');
    expect(text).toContain('private Cloud DNS zone for mesh.example.internal');
    expect(text).toContain("gcloud dns record-sets create '*.mesh.example.internal.' --type=A");
    expect(text).toContain('--dns-name=mesh.example.internal. --networks=NETWORK --visibility=private');
    expect(text).toContain('PERMISSIVE mTLS');
  });

  it('reads the first port of a Service', () => {
    expect(firstServicePort({ spec: { ports: [{ port: 9999, targetPort: 8000 }, { port: 1 }] } })).toBe(9999);
    expect(firstServicePort({ spec: { ports: [] } })).toBeUndefined();
    expect(firstServicePort({})).toBeUndefined();
  });
});
