/** What one edit did to one http route: enough to show a diff and to undo it. */
export interface WeightChange {
  readonly routeIndex: number;
  readonly routeName?: string;
  readonly from: { readonly host: string; readonly before: number; readonly after: number };
  readonly to: { readonly host: string; readonly before: number | undefined; readonly after: number };
}

export interface MirrorState {
  readonly host: string;
  readonly percent: number;
  readonly field: MirrorField;
}

export type MirrorField = 'mirror' | 'mirrors';

export interface MirrorChange {
  readonly routeIndex: number;
  readonly routeName?: string;
  readonly before: MirrorState | undefined;
  readonly after: MirrorState | undefined;
}
