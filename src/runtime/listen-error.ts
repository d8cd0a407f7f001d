/** The HTTP listener could not open PORT; the message is one sentence an operator can act on. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** A listen failure (EADDRINUSE, EACCES, …) as a ListenError naming PORT and the fix; any other error as it is. */
export function asListenError(error: unknown, port: number): unknown {
  const { code, syscall, message } = (error ?? {}) as NodeJS.ErrnoException;
  if (syscall !== 'listen') return error;
  return new ListenError(listenProblem(code, port, message));
}

function listenProblem(code: string | undefined, port: number, message: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return `PORT=${port} is already in use (EADDRINUSE): another process listens on it; stop that process or set PORT to a free port.`;
    case 'EACCES':
      return `PORT=${port} may not be opened by this user (EACCES): ports below 1024 need privileges; set PORT to 1024 or above (the default is 3000).`;
    default:
      return `could not listen on PORT=${port} (${code ?? 'no error code'}: ${message}); set PORT to a port this host lets meshbot open.`;
  }
}
