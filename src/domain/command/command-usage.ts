import type { CommandVerb } from './mesh-command.js';

interface Usage {
  readonly syntax: string;
  readonly summary: string;
  readonly example: string;
}

/** The one description of the grammar: help, error messages and the README come from here. */
export const COMMAND_USAGE: Readonly<Record<CommandVerb, Usage>> = {
  help: { syntax: 'help [command]', summary: 'show the commands, or one command in detail', example: 'help shift' },
  list: { syntax: 'list', summary: 'list the migrations configured for this channel', example: 'list' },
  status: { syntax: 'status [migration]', summary: 'current split, operation in flight, recent history', example: 'status cr-gcpbackend-migration' },
  shift: { syntax: 'shift <0-100>% [migration] [--override "reason"]', summary: 'request moving that share of traffic to the GCPBackend host', example: 'shift 25%' },
  mirror: { syntax: 'mirror <0-100>%|off [migration] [--override "reason"]', summary: 'request copying a share of traffic to the GCPBackend host, or stop', example: 'mirror 10%' },
  rollback: { syntax: 'rollback [migration]', summary: 'restore the weights from before the last step (no second approval)', example: 'rollback' },
  abort: { syntax: 'abort [migration]', summary: 'cancel the operation waiting for approval', example: 'abort' },
  plan: { syntax: 'plan [migration]', summary: 'show the configured steps and where the migration stands', example: 'plan' },
  run: { syntax: 'run [migration]', summary: 'walk the configured steps, each approved and baked', example: 'run' },
  errors: { syntax: 'errors [migration] [--since <30m|2h|1d>]', summary: 'summarise Envoy sidecar errors by class, with remedies', example: 'errors --since 30m' },
  finalize: { syntax: 'finalize [migration] [--override "reason"]', summary: 'at 100%: remove the ServiceEntry destination from the routes', example: 'finalize' },
  validate: { syntax: 'validate [migration]', summary: 'probe the ServiceEntry host from a curl pod in the namespace', example: 'validate' },
  troubleshoot: { syntax: 'troubleshoot [migration]', summary: 'check Cloud Run sidecars: permission denials and proxy status', example: 'troubleshoot' },
  export: {
    syntax: 'export <service> --dns-suffix <suffix> [--namespace <ns>]',
    summary: 'route Cloud Run to a GKE Service through an external-mesh VirtualService',
    example: 'export checkout --dns-suffix mesh.example.internal --namespace shop',
  },
  register: {
    syntax: 'register <name> <ip>:<port> [--namespace <ns>] [--label k=v]…',
    summary: 'add a VM to the mesh (WorkloadEntry + ServiceEntry)',
    example: 'register billing-vm 10.128.0.7:8080 --label app=billing',
  },
};

export function usageLine(verb: CommandVerb): string {
  const usage = COMMAND_USAGE[verb];
  return `Usage: /mesh ${usage.syntax} — e.g. /mesh ${usage.example}`;
}

export function helpText(): string {
  const lines = Object.values(COMMAND_USAGE).map((u) => `/mesh ${u.syntax} — ${u.summary}`);
  return ['meshbot moves traffic from a ServiceEntry to a GCPBackend, step by step, with approvals.', ...lines].join('\n');
}

export function helpForVerb(verb: CommandVerb): string {
  const usage = COMMAND_USAGE[verb];
  return `/mesh ${usage.syntax}\n${usage.summary}.\nExample: /mesh ${usage.example}`;
}
