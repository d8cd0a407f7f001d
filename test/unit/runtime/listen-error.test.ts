import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { asListenError, ListenError } from '../../../src/runtime/listen-error.js';

/** A real listen error from Node, so the test sees exactly what start-up sees. */
async function portTakenError(): Promise<{ error: unknown; taken: number }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, resolve));
  const taken = (holder.address() as { port: number }).port;
  const error = await new Promise((resolve) => createServer().once('error', resolve).listen(taken));
  await new Promise((resolve) => holder.close(resolve));
  return { error, taken };
}

describe('asListenError', () => {
  it('names PORT and what to do when it is taken (EADDRINUSE)', async () => {
    const { error, taken } = await portTakenError();
    const result = asListenError(error, taken);
    expect(result).toBeInstanceOf(ListenError);
    expect((result as Error).message).toBe(`PORT=${taken} is already in use (EADDRINUSE): another process listens on it; stop that process or set PORT to a free port.`);
  });

  it('says a privileged port needs privileges (EACCES)', () => {
    const denied = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES', syscall: 'listen' });
    expect((asListenError(denied, 80) as Error).message).toBe('PORT=80 may not be opened by this user (EACCES): ports below 1024 need privileges; set PORT to 1024 or above (the default is 3000).');
  });

  it('names the code of any other listen failure, and leaves other errors alone', () => {
    const odd = Object.assign(new Error('listen EADDRNOTAVAIL: address not available'), { code: 'EADDRNOTAVAIL', syscall: 'listen' });
    expect((asListenError(odd, 8080) as Error).message).toBe('could not listen on PORT=8080 (EADDRNOTAVAIL: listen EADDRNOTAVAIL: address not available); set PORT to a port this host lets meshbot open.');
    const other = new Error('connection refused');
    expect(asListenError(other, 8080)).toBe(other);
    expect(asListenError(undefined, 8080)).toBeUndefined();
  });
});
