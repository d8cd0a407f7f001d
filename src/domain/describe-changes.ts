import type { MirrorChange, MirrorState, WeightChange } from './route-change.js';

const BAR_WIDTH = 20;

/** `████████████████░░░░` for 80/20: the `from` share dark, the `to` share light. */
export function splitBar(fromWeight: number, toWeight: number, width = BAR_WIDTH): string {
  const total = fromWeight + toWeight;
  const dark = total === 0 ? 0 : Math.round((fromWeight / total) * width);
  return '█'.repeat(dark) + '░'.repeat(width - dark);
}

function routeTitle(change: { routeIndex: number; routeName?: string }): string {
  return change.routeName === undefined ? `http[${change.routeIndex}]` : `http[${change.routeIndex}] "${change.routeName}"`;
}

/** Lines like `http[0]  cr-service-entry.com 90 → 75, cr-gcpbackend.com 10 → 25  ███…░░`. */
export function describeWeightChanges(changes: readonly WeightChange[]): string[] {
  if (changes.length === 0) return ['no change: the weights are already at that split'];
  return changes.map((c) => {
    const toBefore = c.to.before === undefined ? 'new' : String(c.to.before);
    return `${routeTitle(c)}  ${c.from.host} ${c.from.before} → ${c.from.after}, ${c.to.host} ${toBefore} → ${c.to.after}  ${splitBar(c.from.after, c.to.after)}`;
  });
}

function mirrorText(state: MirrorState | undefined): string {
  return state === undefined ? 'no mirror' : `mirror ${state.percent}% to ${state.host} (${state.field})`;
}

export function describeMirrorChanges(changes: readonly MirrorChange[]): string[] {
  if (changes.length === 0) return ['no change: the mirror is already as asked'];
  return changes.map((c) => `${routeTitle(c)}  ${mirrorText(c.before)} → ${mirrorText(c.after)}`);
}
