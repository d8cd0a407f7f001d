import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './cli-io.js';
import { MIRROR_USAGE, SHIFT_USAGE, runMirror, runShift } from './edit-verbs.js';
import { serveVerb } from './serve-verbs.js';

type Verb = (args: string[], io: CliIo) => Promise<void>;

const VERBS: Record<string, Verb> = {
  shift: runShift,
  mirror: runMirror,
  bot: serveVerb('bot'),
  worker: serveVerb('worker'),
  all: serveVerb('all'),
};

export const CLI_HELP = [
  'meshbot — move Cloud Service Mesh traffic from a ServiceEntry to a GCPBackend, step by step.',
  '',
  'Offline edits (print the result; the input is never changed):',
  `  ${SHIFT_USAGE}`,
  `  ${MIRROR_USAGE}`,
  '',
  'Services (configured by environment variables and the migrations file, see the README):',
  '  meshbot bot      the Slack receiver (/slack/events, /healthz, /readyz, /metrics on PORT)',
  '  meshbot worker   the job processors (prepare, apply, bake, rollback, expire, sentinel)',
  '  meshbot all      both in one process, for small installs',
  '',
  'Exit status: 0 done, 2 bad input (the reason on stderr, nothing on stdout), 1 unexpected failure.',
].join('\n');

/** Runs one CLI invocation and returns the exit status; never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [verb, ...args] = argv;
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    io.stdout(`${CLI_HELP}\n`);
    return EXIT_OK;
  }
  const run = VERBS[verb];
  if (!run) {
    io.stderr(`meshbot: '${verb}' is not a command. Commands: ${Object.keys(VERBS).join(', ')}, help.\n`);
    return EXIT_USAGE;
  }
  try {
    await run(args, io);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`meshbot ${verb}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`meshbot ${verb}: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
}
