/** What the CLI touches of the outside world, passed in so tests can run it in-process. */
export interface CliIo {
  readonly readFile: (path: string) => Promise<string>;
  readonly readStdin: () => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Thrown for bad input anywhere in a CLI verb; the runner prints it and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
