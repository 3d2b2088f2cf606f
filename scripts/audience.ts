import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEV_ISSUER_DIR, openDevIssuer } from '../gateway/devIssuer.js';
import { runMain } from '../subgraphs/crosscanal/cli/errorLine.js';

// `npm run audience -- --channel EMAIL --purpose MARKETING [--format csv|jsonl] [--out FILE]`:
// exports the customers that may be contacted on a channel for a purpose, by paging through
// the graph's `audience` query as a campaign tool would: the same answer, the same rules, the
// systems read fresh. The gateway is CROSSCANAL_GATEWAY_URL (default http://127.0.0.1:4000/);
// the token CROSSCANAL_TOKEN (a marketing token), else one signed by the development issuer
// `npm start` trusts.

const CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'POST', 'PUSH'];
const PURPOSES = ['MARKETING', 'SERVICE', 'PARTNERS'];
const usage = `usage: npm run audience -- --channel <${CHANNELS.join('|')}> --purpose <${PURPOSES.join('|')}> [--format csv|jsonl] [--out FILE] [--page N]`;

export class UsageError extends Error {}

export interface AudienceArgs {
  channel: string;
  purpose: string;
  format: 'csv' | 'jsonl';
  out: string | null;
  page: number;
}

export function parseAudienceArgs(args: string[]): AudienceArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { channel: { type: 'string' }, purpose: { type: 'string' }, format: { type: 'string', default: 'csv' }, out: { type: 'string' }, page: { type: 'string', default: '500' } },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const channel = values.channel?.toUpperCase();
  const purpose = values.purpose?.toUpperCase();
  if (!channel || !CHANNELS.includes(channel)) throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}, got ${JSON.stringify(values.channel ?? null)}`);
  if (!purpose || !PURPOSES.includes(purpose)) throw new UsageError(`--purpose must be one of ${PURPOSES.join(', ')}, got ${JSON.stringify(values.purpose ?? null)}`);
  if (values.format !== 'csv' && values.format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, got ${JSON.stringify(values.format)}`);
  const page = Number(values.page);
  if (!Number.isInteger(page) || page < 1 || page > 500) throw new UsageError(`--page must be a whole number from 1 to 500, got ${JSON.stringify(values.page)}`);
  return { channel, purpose, format: values.format, out: values.out ?? null, page };
}

const QUERY = `query Audience($channel: ContactChannel!, $purpose: ContactPurpose!, $first: Int, $after: String) {
  audience(channel: $channel, purpose: $purpose, first: $first, after: $after) { members { customer { id } address } endCursor hasNextPage }
}`;

const csvField = (value: string | null) => (value === null ? '' : /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * Pages through `audience` and writes each member as it comes (a CSV with a header, or JSON
 * Lines); answers how many. A page the graph refuses stops the export with its coded error.
 */
export async function exportAudience(
  { gatewayUrl, token, channel, purpose, format, page }: { gatewayUrl: string; token: string; channel: string; purpose: string; format: 'csv' | 'jsonl'; page: number },
  write: (chunk: string) => void | Promise<void>,
): Promise<number> {
  let after: string | null = null;
  let count = 0;
  if (format === 'csv') await write('customer_id,address\n');
  for (;;) {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables: { channel, purpose, first: page, after } }),
    });
    const answer = (await response.json().catch(() => null)) as { data?: { audience?: any }; errors?: Array<{ message: string; extensions?: { code?: string } }> } | null;
    if (!answer || answer.errors?.length || !answer.data?.audience) {
      const error = answer?.errors?.[0];
      throw new Error(error ? `the graph refused a page (${error.extensions?.code ?? 'no code'}): ${error.message}` : `the gateway answered HTTP ${response.status} without an audience`);
    }
    const { members, endCursor, hasNextPage } = answer.data.audience as { members: Array<{ customer: { id: string }; address: string | null }>; endCursor: string | null; hasNextPage: boolean };
    const lines = members.map((m) => (format === 'csv' ? `${csvField(m.customer.id)},${csvField(m.address)}\n` : `${JSON.stringify({ customerId: m.customer.id, address: m.address })}\n`));
    if (lines.length > 0) await write(lines.join(''));
    count += members.length;
    if (!hasNextPage) return count;
    after = endCursor;
  }
}

async function main(): Promise<number> {
  let args: AudienceArgs;
  try {
    args = parseAudienceArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${usage}\n`);
    return 2;
  }
  const gatewayUrl = process.env.CROSSCANAL_GATEWAY_URL || 'http://127.0.0.1:4000/';
  const token =
    process.env.CROSSCANAL_TOKEN ||
    (await (await openDevIssuer(process.env.GATEWAY_DEV_ISSUER_DIR || DEFAULT_DEV_ISSUER_DIR)).sign({ role: 'marketing', actor: `cli:${process.env.USER ?? 'audience'}`, ttlSeconds: 3600 }));
  const out = args.out ? createWriteStream(args.out) : process.stdout;
  const write = (chunk: string) => new Promise<void>((resolve, reject) => out.write(chunk, (error) => (error ? reject(error) : resolve())));
  const count = await exportAudience({ gatewayUrl, token, ...args }, write);
  if (args.out) await new Promise<void>((resolve) => (out as ReturnType<typeof createWriteStream>).end(resolve));
  process.stderr.write(`crosscanal audience: ${count} customers may be contacted by ${args.channel} for ${args.purpose}${args.out ? `, written to ${args.out}` : ''}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runMain('audience', main);
