/** A `/mesh …` command, parsed. Every field is already checked; `migration` is optional where one migration is configured for the channel. */
export type MeshCommand =
  | { readonly kind: 'help'; readonly topic?: CommandVerb }
  | { readonly kind: 'list' }
  | { readonly kind: MigrationVerb; readonly migration?: string; readonly override?: string }
  | { readonly kind: 'shift'; readonly percent: number; readonly migration?: string; readonly override?: string }
  | { readonly kind: 'mirror'; readonly percent: number | 'off'; readonly migration?: string; readonly override?: string }
  | { readonly kind: 'errors'; readonly migration?: string; readonly sinceSeconds: number }
  | { readonly kind: 'export'; readonly service: string; readonly dnsSuffix: string; readonly namespace?: string }
  | {
      readonly kind: 'register';
      readonly name: string;
      readonly address: { readonly ip: string; readonly port: number };
      readonly namespace?: string;
      readonly labels: Readonly<Record<string, string>>;
    };

/** Verbs whose only argument is an optional migration name. */
export const MIGRATION_VERBS = ['status', 'rollback', 'abort', 'plan', 'run', 'finalize', 'validate', 'troubleshoot'] as const;
export type MigrationVerb = (typeof MIGRATION_VERBS)[number];

export const COMMAND_VERBS = ['help', 'list', 'status', 'shift', 'mirror', 'rollback', 'abort', 'plan', 'run', 'errors', 'finalize', 'validate', 'troubleshoot', 'export', 'register'] as const;
export type CommandVerb = (typeof COMMAND_VERBS)[number];

/** The verbs that take `--override "reason"` (break-glass past change windows and freezes). */
export const OVERRIDE_VERBS: readonly CommandVerb[] = ['shift', 'mirror', 'finalize'];

export const DEFAULT_ERRORS_SINCE_SECONDS = 30 * 60;
