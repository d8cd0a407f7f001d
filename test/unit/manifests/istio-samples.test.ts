import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { setMirror } from '../../../src/domain/set-mirror.js';
import { shiftWeights } from '../../../src/domain/shift-weights.js';
import { httpRoutes, indexesOfHost, allHttpHosts, type VirtualServiceLike } from '../../../src/domain/virtual-service.js';
import { editManifests, isVirtualService } from '../../../src/manifests/edit-manifests.js';
import { validateIstioObject } from '../../../src/schema/istio-schema.js';

const SAMPLES = join(import.meta.dirname, '../../fixtures/istio-samples');
const TARGET = 'meshbot-target.example.com';
const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.yaml'));

function virtualServicesOf(file: string): VirtualServiceLike[] {
  return parseAllDocuments(readFileSync(join(SAMPLES, file), 'utf8'))
    .map((d) => d.toJS() as unknown)
    .filter(isVirtualService);
}

/** Hosts an edit can act on: in at least one http route, never twice in one route. */
function suitableHosts(vs: VirtualServiceLike): string[] {
  return allHttpHosts(vs).filter((host) => httpRoutes(vs).every((route) => indexesOfHost(route, host).length <= 1));
}

describe('Istio samples', () => {
  it('has samples to test', () => {
    expect(files.length).toBeGreaterThanOrEqual(18);
  });

  describe.each(files)('%s', (file) => {
    const services = virtualServicesOf(file);

    it('is valid before editing', () => {
      for (const vs of services) expect(validateIstioObject(vs)).toEqual([]);
    });

    it('stays valid after shift and mirror on every suitable host', () => {
      for (const vs of services) {
        for (const host of suitableHosts(vs)) {
          const shifted = shiftWeights(vs, { from: host, to: TARGET, percent: 30 });
          if (shifted.ok) {
            expect(validateIstioObject(shifted.value.virtualService)).toEqual([]);
          } else {
            expect(shifted.error.code).toBe('pair-weight-zero');
          }
          for (const field of ['mirror', 'mirrors'] as const) {
            const mirrored = setMirror(vs, { from: host, to: TARGET, percent: 10, field });
            if (mirrored.ok) expect(validateIstioObject(mirrored.value.virtualService)).toEqual([]);
            else expect(['mirror-conflict', 'mirror-field-conflict']).toContain(mirrored.error.code);
          }
        }
      }
    });

    it('refuses hosts that appear twice in a route as ambiguous', () => {
      for (const vs of services) {
        for (const host of allHttpHosts(vs).filter((h) => !suitableHosts(vs).includes(h))) {
          expect(shiftWeights(vs, { from: host, to: TARGET, percent: 30 })).toMatchObject({ ok: false, error: { code: 'ambiguous-host' } });
        }
      }
    });

    it('goes through the manifest editor, other documents byte for byte', () => {
      const text = readFileSync(join(SAMPLES, file), 'utf8');
      const host = services.flatMap(suitableHosts)[0];
      if (host === undefined) {
        expect(services.flatMap(allHttpHosts).length === 0 || services.some((vs) => allHttpHosts(vs).length > suitableHosts(vs).length)).toBe(true);
        return;
      }
      const result = editManifests(text, host, (vs) => shiftWeights(vs, { from: host, to: TARGET, percent: 30 }));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      for (const doc of result.value.documents) {
        if (doc.changes.length === 0) expect(text).toContain(doc.text);
        else expect(parseAllDocuments(doc.text)[0]?.toJS()).toEqual(doc.after);
      }
    });
  });

  it('covers a good share of the samples with a real edit', () => {
    const edited = files.filter((f) => virtualServicesOf(f).some((vs) => suitableHosts(vs).length > 0));
    expect(edited.length).toBeGreaterThanOrEqual(11);
  });
});
