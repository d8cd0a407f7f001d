import type { Verb } from './resources.js';

export interface FaultSpec {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** Substring of the request path and query to match (any when omitted). */
  pathIncludes?: string;
  /** Status code answered, with a matching Status body. Default 500. */
  status?: number;
  /** Overrides the Status message. */
  message?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** After `delayMs`, serve the request normally instead of failing it (a slow server). */
  passThrough?: boolean;
  /** Never answer (until the server closes), to exercise client timeouts. */
  hang?: boolean;
  /** How many requests it hits before retiring. Default 1; Infinity for all. */
  times?: number;
  /** Chance (0..1) that a matching request is hit, drawn from the server's seeded RNG. Default 1. */
  probability?: number;
}

export interface FaultHandle {
  /** Requests this fault has hit so far. */
  readonly hits: number;
  remove(): void;
}

interface ActiveFault {
  spec: FaultSpec;
  hits: number;
}

/** Injected failures, checked in order of injection; the first that fires wins. */
export class FaultInjector {
  private readonly faults: ActiveFault[] = [];

  constructor(private readonly random: () => number) {}

  add(spec: FaultSpec): FaultHandle {
    const probability = spec.probability ?? 1;
    if (!(probability >= 0 && probability <= 1)) throw new Error(`kube harness: fault probability must be in 0..1, got ${probability}`);
    const fault: ActiveFault = { spec, hits: 0 };
    this.faults.push(fault);
    return {
      get hits() {
        return fault.hits;
      },
      remove: () => this.remove(fault),
    };
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The fault hitting this request, if any; counts the hit and retires exhausted faults. */
  take(method: string, pathAndQuery: string): FaultSpec | undefined {
    const fault = this.faults.find((candidate) => matches(candidate.spec, method, pathAndQuery) && this.fires(candidate.spec));
    if (!fault) return undefined;
    fault.hits++;
    if (fault.hits >= (fault.spec.times ?? 1)) this.remove(fault);
    return fault.spec;
  }

  /** Draws from the RNG only for probabilistic faults, so certain ones leave the sequence alone. */
  private fires(spec: FaultSpec): boolean {
    const probability = spec.probability ?? 1;
    return probability >= 1 || this.random() < probability;
  }

  private remove(fault: ActiveFault): void {
    const index = this.faults.indexOf(fault);
    if (index >= 0) this.faults.splice(index, 1);
  }
}

function matches(spec: FaultSpec, method: string, pathAndQuery: string): boolean {
  if (spec.method && spec.method.toUpperCase() !== method) return false;
  return spec.pathIncludes === undefined || pathAndQuery.includes(spec.pathIncludes);
}

export interface ForbidRule {
  verb: Verb | '*';
  /** Plural, kind or short name of the resource. */
  plural: string;
  /** Only in this namespace (all when omitted). */
  namespace?: string;
  /** Only this object (all when omitted). */
  name?: string;
}
