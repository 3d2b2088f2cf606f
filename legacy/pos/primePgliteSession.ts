import { connect, type NetConnectOpts } from 'node:net';
import { BackendScanner } from './backendScanner.js';
import { startupMessage } from './wireMessages.js';

/**
 * Opens PGlite's wire session once, with a startup it accepts, before any client connects.
 *
 * PGlite judges only the first startup packet its one session receives; later ones are
 * answered as accepted. If that first one is refused (a client that names no user), the
 * FATAL error leaves the session unable to take another startup, and every later client
 * hangs. Spending the first startup here keeps one careless client from breaking the
 * database for everyone.
 */
export function primePgliteSession(address: NetConnectOpts, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(address);
    const scanner = new BackendScanner();
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`PGlite did not answer a startup within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', finish);
    socket.once('connect', () => socket.write(startupMessage({ user: 'postgres', database: 'postgres' })));
    socket.on('data', (chunk: Buffer) => {
      for (const { type } of scanner.scan(chunk).events) {
        if (type === 'E') return finish(new Error('PGlite refused the startup of its wire session'));
        if (type === 'Z') return finish();
      }
    });
  });
}
