import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A started server: where it listens and how to stop it. */
export interface Running {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

/**
 * Listens on `port` (0 picks a free one) and returns the address and a `stop` that closes
 * every open connection, so that tests leave no handle behind.
 */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<Running> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stop: () => {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

export function startHttp(handler: RequestListener, port = 0, host = '127.0.0.1'): Promise<Running> {
  return listen(createServer({ keepAliveTimeout: 5_000 }, handler), port, host);
}

/** Largest request body a stand-in accepts; a legacy system has limits too. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** Reads a whole request body as text, refusing bodies over `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
