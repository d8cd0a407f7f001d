/** Why a VirtualService edit was refused. `code` is stable (tests and callers match on it); `message` is for people. */
export type EditErrorCode =
  | 'invalid-percent'
  | 'same-host'
  | 'not-a-virtual-service'
  | 'from-host-not-found'
  | 'ambiguous-host'
  | 'pair-weight-zero'
  | 'mirror-conflict'
  | 'mirror-field-conflict'
  | 'route-moved'
  | 'not-finished';

export interface EditError {
  readonly code: EditErrorCode;
  readonly message: string;
}

export const editError = (code: EditErrorCode, message: string): EditError => ({ code, message });
