import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** What a route answers when it succeeds; refusals are thrown as `Problem`s. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** The JSON text; absent for a 304. */
  text?: string;
}

export function jsonReply(body: unknown, headers: Record<string, string> = {}): Reply {
  return { status: 200, headers, text: JSON.stringify(body) };
}

/**
 * A single resource with an ETag (a hash of its JSON text): a 304 without a body when the
 * client's `If-None-Match` already names that representation.
 */
export function taggedReply(body: unknown, ifNoneMatch: string | undefined, headers: Record<string, string> = {}): Reply {
  const text = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, etag)) return { status: 304, headers: { ...headers, etag } };
  return { status: 200, headers: { ...headers, etag }, text };
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored. */
function matchesEtag(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

/** Says which locale a `?locale=` representation is in. */
export function languageHeader(locale: string | undefined): Record<string, string> {
  return locale === undefined ? {} : { 'content-language': locale };
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  if (reply.text === undefined) {
    res.writeHead(reply.status, reply.headers);
    res.end();
    return;
  }
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(reply.text),
  });
  res.end(reply.text);
}
