import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openDevIssuer } from '../gateway/devIssuer.js';
import { readEstate } from '../legacy/generator/files.js';
import type { Estate } from '../legacy/generator/model.js';
import { toE164 } from '../utilities/phone.js';
import { graphql, type GraphQLAnswer } from './graphql.js';
import { startChildStack, type ChildStack } from './support/childStack.js';

// The project's two promises about privacy, checked from outside the process, the way an
// auditor would: the whole graph runs in a child under a network monitor (a preload that
// records every connection and name lookup), serves a session chosen to make personal data
// travel and errors happen, and then its captured output and the monitor's records are read.
// docs/access.md, "No call-outs, no personal data in logs".

const MONITOR = fileURLToPath(new URL('./support/netMonitor.mjs', import.meta.url));

/** One record of the network monitor (test/support/netMonitor.mjs). */
interface NetRecord {
  pid: number;
  kind: 'connect' | 'lookup' | 'resolve' | 'udp';
  host?: string;
  port?: number | string;
  path?: string;
}

function readMonitor(file: string): NetRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as NetRecord);
}

/** Loopback: 127.0.0.0/8, ::1 (also IPv4-mapped), `localhost`. A unix socket never leaves the host. */
function isLocal(record: NetRecord): boolean {
  if (record.path !== undefined) return true;
  const host = (record.host ?? '').toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(host);
}

const describeRecord = (r: NetRecord) => `${r.kind} ${r.path ?? `${r.host}:${r.port ?? ''}`}`;

/** Starts the whole graph in a child under the network monitor, recording to a file of its own. */
async function monitoredStack(logDir: string, name: string, env: Record<string, string> = {}): Promise<{ stack: ChildStack; monitorLog: string }> {
  const monitorLog = join(logDir, `${name}.jsonl`);
  const stack = await startChildStack({ env: { ...env, NET_MONITOR_LOG: monitorLog }, nodeArgs: ['--import', MONITOR] });
  return { stack, monitorLog };
}

// ------------------------------------------------------------------ the estate's personal data

/** A personal value to look for, and where the estate keeps it (for the failure message). */
type Needle = { value: string; what: string };

/**
 * An E.164 number with and without its `+`, and for a French one the forms the estate's systems
 * key (`06 12 34 56 78`, `06.12.34.56.78`, `0612345678`, `+33 6 12 34 56 78`) and its spaced
 * significant part (`6 12 34 56 78`), which any other spaced prefix (`+33 (0)6 …`) ends with.
 */
function phoneForms(e164: string): string[] {
  const forms = [e164, e164.slice(1)];
  if (/^\+33\d{9}$/.test(e164)) {
    const national = `0${e164.slice(3)}`;
    const pairs = national.match(/\d\d/g)!;
    const significant = `${national[1]} ${pairs.slice(1).join(' ')}`;
    forms.push(national, pairs.join(' '), pairs.join('.'), `+33 ${significant}`, significant);
  }
  return forms;
}

/** A card number as stored, as printed under its bar code (`2 975940 737737`) and in groups of four. */
function cardForms(card: string): string[] {
  return [card, `${card[0]} ${card.slice(1, 7)} ${card.slice(7)}`, card.match(/\d{1,4}/g)!.join(' ')];
}

/**
 * Every email, phone and card number of the estate, computed from its files alone (the
 * scrubber's patterns are not used): emails as typed, trimmed (the search ignores case); phones
 * as stored and in the forms of {@link phoneForms}; card numbers of the loyalty cards and of
 * the tills, in the forms of {@link cardForms}.
 */
function personalData(estate: Estate): Needle[] {
  const needles = new Map<string, string>();
  const add = (value: string | null | undefined, what: string) => {
    const trimmed = value?.trim();
    if (trimmed && !needles.has(trimmed.toLowerCase())) needles.set(trimmed.toLowerCase(), what);
  };
  const addCard = (value: string | null | undefined, what: string) => {
    if (value) for (const form of cardForms(value.trim())) add(form, what);
  };
  const addPhone = (value: string | null | undefined, what: string) => {
    if (!value) return;
    add(value, what);
    const e164 = toE164(value);
    if (e164) for (const form of phoneForms(e164)) add(form, `${what} (${JSON.stringify(value)})`);
  };
  const { ecommerce, loyalty, pos } = estate;
  for (const c of ecommerce.customers) {
    add(c.email, `email of web account ${c.id}`);
    addPhone(c.phone, `phone of web account ${c.id}`);
  }
  for (const o of ecommerce.orders) addPhone(o.delivery.phone, `delivery phone of web order ${o.number}`);
  for (const m of loyalty.members) {
    add(m.email, `email of member ${m.member_id}`);
    addPhone(m.phone, `phone of member ${m.member_id}`);
    addPhone(m.mobile, `mobile of member ${m.member_id}`);
  }
  for (const card of loyalty.cards) addCard(card.card_number, `card of member ${card.member_id}`);
  for (const c of pos.clients) addPhone(c.phone, `phone of POS client ${c.franchise}/${c.client_id}`);
  for (const r of pos.receipts) {
    addPhone(r.phone, `phone on receipt ${r.receipt_no}`);
    addCard(r.card_number, `card on receipt ${r.receipt_no}`);
  }
  for (const q of pos.quotes) {
    addPhone(q.phone, `phone on quote ${q.quote_no}`);
    addCard(q.card_number, `card on quote ${q.quote_no}`);
  }
  for (const r of pos.returns) addCard(r.card_number, `card on return ${r.return_no}`);
  return [...needles].map(([value, what]) => ({ value, what }));
}

/** The first line of `output` that holds one of `needles`, compared without regard to case. */
function firstLeak(output: string, needles: Needle[]): { line: string; needle: Needle } | null {
  for (const line of output.split('\n')) {
    const lower = line.toLowerCase();
    const needle = needles.find((n) => lower.includes(n.value));
    if (needle) return { line, needle };
  }
  return null;
}

/** The JSON log lines of a capture (other lines, such as `READY …`, are skipped). */
function jsonLines(output: string): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

// ------------------------------------------------------------------ the session

const FAULTS = '/__admin/faults';

/** A partner's app may run only the operations of its safelist: the receipt one, as the manifest has it. */
const FRANCHISE_RECEIPT = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../gateway/safelists/partner.json', import.meta.url)), 'utf8')) as { operations: Array<{ name: string; body: string }> }
).operations.find((operation) => operation.name === 'FranchiseReceipt')!.body;

/** What the session asked and what came back, for the tests to check it did what it meant to. */
interface Session {
  requests: number;
  answers: Record<string, GraphQLAnswer | number>;
  /** Whose contact choices the associate recorded, the member whose consents keep a copy, and the till's place. */
  contact?: { customerId: string | undefined; memberId: string; place: string };
}

const CUSTOMER_DETAILS = /* GraphQL */ `
  fragment Details on Customer {
    id
    displayName { value }
    email { value values { value source { system localId } } }
    phone { value values { value } }
    identities { system localId franchise }
    webAccounts { id email emailKey phone addresses { line1 line2 postcode city } }
    webOrders(first: 5) { number delivery { firstName lastName phone } }
    loyaltyMemberships { memberId cardNumber cards { number status } consents { channel status source } }
    storeSales(first: 5) { number }
  }
`;

/** A contact choice recorded, with where the systems that keep a copy of it stand. */
const SET_CONTACT = 'setContactPreference(input: $input) { created decision { status source } preference { channel status copies { system localId state } } }';

/**
 * A day of the graph's life, chosen to make personal data travel and errors happen: lookups
 * by email (as messily typed), phone (national format) and card; a shared landline refused
 * with a message that names it; inputs the subgraphs echo back in their errors; a steward's
 * preview and decision; a contact choice recorded at a till (an audit line, and one for its
 * copy in the programme); loyalty down, the POS down and the web shop failing; anonymous and
 * forged callers.
 */
async function driveSession(stack: ChildStack, estate: Estate): Promise<Session> {
  const session: Session = { requests: 0, answers: {} };
  const ask = async (label: string, query: string, variables: Record<string, unknown>, token?: string) => {
    session.requests += 1;
    const answer = await graphql(stack.url, query, variables, token);
    session.answers[label] = answer;
    return answer;
  };
  const raw = async (label: string, path: string, init: RequestInit = {}) => {
    session.requests += 1;
    const response = await fetch(new URL(path, stack.url), init);
    await response.arrayBuffer();
    session.answers[label] = response.status;
    return response.status;
  };
  const fault = async (base: string, faults: Record<string, unknown> | null) => {
    const response = await fetch(`${base}${FAULTS}`, faults ? { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) } : { method: 'DELETE' });
    if (!response.ok) throw new Error(`${base}${FAULTS} answered ${response.status}`);
  };

  const { ecommerce, loyalty, pos } = estate;
  const messiness = (email: string) => Number(email !== email.trim()) + Number(email.trim() !== email.trim().toLowerCase());
  const account = [...ecommerce.customers].filter((c) => c.phone !== null).sort((x, y) => messiness(y.email) - messiness(x.email))[0]!;
  const members = loyalty.members.filter((m) => m.email !== null && m.mobile !== null);
  const memberPhones = new Map<string, string[]>();
  for (const m of loyalty.members) {
    for (const phone of new Set([m.phone, m.mobile].map((p) => toE164(p)).filter((p): p is string => p !== null))) {
      memberPhones.set(phone, [...(memberPhones.get(phone) ?? []), m.member_id]);
    }
  }
  const [landline] = [...memberPhones].filter(([, ids]) => ids.length > 1).sort((x, y) => y[1].length - x[1].length)[0]!;
  const member = members.find((m) => memberPhones.get(toE164(m.mobile)!)!.length === 1)!;
  const scanned = pos.receipts.find((r) => r.card_number !== null && loyalty.cards.some((c) => c.card_number === r.card_number && c.status === 'ACTIVE'))!;
  const card = loyalty.cards.find((c) => c.card_number === scanned.card_number)!;
  const phoneReceipt = pos.receipts.find((r) => r.phone !== null)!;
  const order = ecommerce.orders.find((o) => o.delivery.phone !== null)!;
  const spaced = (national: string) => national.replace(/\D/g, '').match(/\d\d/g)!.join(' ');

  const service = await stack.tokens.sign({ role: 'service', actor: 'agent-17' });
  const steward = await stack.tokens.sign({ role: 'steward', actor: 'steward-2' });
  const associate = await stack.tokens.sign({ role: 'associate', actor: 'seller-4', store: scanned.store_code });
  const partner = await stack.tokens.sign({ role: 'partner', franchise: phoneReceipt.franchise });

  // Customer service: the same person by email as typed, by phone as said on the phone, by card.
  const byEmail = await ask('service: customer by messy email', `query ByEmail($email: String!) { customer(by: { email: $email }) { ...Details } } ${CUSTOMER_DETAILS}`, { email: ` ${account.email.toUpperCase()} ` }, service);
  await ask('service: customer by national phone', `query ByPhone($phone: String!) { customer(by: { phone: $phone }) { ...Details } } ${CUSTOMER_DETAILS}`, { phone: member.mobile }, service);
  await ask('service: customer by card', `query ByCard($card: String!) { customer(by: { cardNumber: $card }) { ...Details } } ${CUSTOMER_DETAILS}`, { card: card.card_number }, service);
  await ask('service: customer by shared landline', `query ByLandline($phone: String!) { customer(by: { phone: $phone }) { id } }`, { phone: spaced(`0${landline.slice(3)}`) }, service);
  await ask('service: customers by shared landline', `query Family($phone: String!) { customers(by: { phone: $phone }) { ...Details } } ${CUSTOMER_DETAILS}`, { phone: landline }, service);
  await ask('service: customer by phone, trunk 0 in brackets', `query ($phone: String!) { customer(by: { phone: $phone }) { id phone { value } } }`, { phone: `+33 (0)${spaced(member.mobile!).slice(1)}` }, service);
  await ask('service: customer by a card number with a typo', `query { customer(by: { cardNumber: "${card.card_number.slice(0, 12)}${(Number(card.card_number[12]) + 1) % 10}" }) { id } }`, {}, service);
  await ask('service: customer by a phone with a digit too many', `query ($phone: String!) { customer(by: { phone: $phone }) { id } }`, { phone: `${member.mobile}9` }, service);
  await ask('service: web accounts by a non-email', `query { webAccountsByEmail(email: "not-an-email") { id email } }`, {}, service);
  await ask('service: web accounts by an email pasted with junk', `query ($email: String!) { webAccountsByEmail(email: $email) { id email phone } }`, { email: `<${account.email.trim()}>;` }, service);
  await ask('service: web accounts by email', `query ($email: String!) { webAccountsByEmail(email: $email) { id email phone addresses { line1 city } orders(first: 3) { number delivery { phone } } } }`, { email: account.email }, service);
  await ask('service: members by a broken phone', `query { loyaltyMembersByPhone(phone: "${spaced(member.mobile!).slice(0, 8)}") { memberId } }`, {}, service);
  await ask('service: members by dotted phone', `query ($phone: String!) { loyaltyMembersByPhone(phone: $phone) { memberId cardNumber cards { number } } }`, { phone: spaced(member.mobile!).replace(/ /g, '.') }, service);
  await ask('service: members by email', `query ($email: String!) { loyaltyMembersByEmail(email: $email) { memberId cardNumber } }`, { email: member.email!.toUpperCase() }, service);
  await ask('service: web order', `query ($number: String!) { webOrder(number: $number) { number delivery { firstName lastName phone } account { email phone } } }`, { number: order.number }, service);

  // The same, as a GET: personal data in the query string of the URL.
  const get = new URLSearchParams({ query: 'query ($email: String!) { loyaltyMembersByEmail(email: $email) { memberId } }', variables: JSON.stringify({ email: member.email }) });
  await raw('a GET with personal data in its query string', `/?${get}`, { headers: { authorization: `Bearer ${service}`, 'apollo-require-preflight': 'true' } });

  // The customer, signed in, reads their own contact details.
  const customerId = (byEmail.data?.customer as { id?: string } | null | undefined)?.id;
  if (customerId) {
    const customer = await stack.tokens.sign({ role: 'customer', customerId, actor: `customer-${customerId}` });
    await ask('customer: me', `query Me { me { ...Details } } ${CUSTOMER_DETAILS}`, {}, customer);
  }

  // At a till: the card shown, then a contact choice recorded for its holder (an audit line),
  // which the crosswalk copies to the programme's consents (another).
  await ask('associate: member by card with spaces', `query ($card: String!) { loyaltyMemberByCard(cardNumber: $card) { memberId cards { number } } }`, { card: card.card_number.replace(/(\d{4})/g, '$1 ') }, associate);
  await ask('associate: member by card as printed', `query ($card: String!) { loyaltyMemberByCard(cardNumber: $card) { memberId } }`, { card: `${card.card_number[0]} ${card.card_number.slice(1, 7)} ${card.card_number.slice(7)}` }, associate);
  await ask('associate: customer by card', `query ($card: String!) { customer(by: { cardNumber: $card }) { email { value } phone { value } webOrders(first: 3) { number delivery { phone } } } }`, { card: card.card_number }, associate);
  const holder = ((session.answers['service: customer by card'] as GraphQLAnswer).data?.customer as { id?: string } | null | undefined)?.id;
  session.contact = { customerId: holder, memberId: card.member_id, place: `STORE:${scanned.store_code}` };
  await ask('associate: consent', `mutation Consent($input: ContactPreferenceInput!) { ${SET_CONTACT} }`, { input: { customerId: holder, channel: 'SMS', purpose: 'MARKETING', status: 'SUBSCRIBED' } }, associate);
  await ask('associate: a card number that is an email', `query ($card: String!) { loyaltyMemberByCard(cardNumber: $card) { memberId } }`, { card: member.email }, associate);

  // A franchisee's app reads a receipt of its own franchise, phone included, by its safelisted operation.
  await ask('partner: store sale', FRANCHISE_RECEIPT, { number: phoneReceipt.receipt_no }, partner);

  // A steward previews, then makes, a decision about a record of the family on that landline (a
  // till's record: its local id is a card or a phone number), and writes the landline in the reason.
  const family = session.answers['service: customers by shared landline'] as GraphQLAnswer;
  const familyCustomers = (family.data?.customers ?? []) as Array<{ id: string; identities: Array<{ system: string; localId: string; franchise: string | null }> }>;
  const someone = familyCustomers.find((c) => c.identities.length > 1) ?? familyCustomers[0];
  const record = someone?.identities.find((i) => i.system === 'POS') ?? someone?.identities[0];
  if (someone && record) {
    const unlink = `mutation Unlink($identity: IdentityInput!, $reason: String!, $preview: Boolean) {
      unlinkIdentity(identity: $identity, reason: $reason, preview: $preview) {
        applied customers { id identities { system localId } email { value } phone { value } }
      }
    }`;
    const variables = { identity: record, reason: `caller on ${landline} says this is not them` };
    await ask('steward: unlink preview', unlink, { ...variables, preview: true }, steward);
    await ask('steward: unlink', unlink, { ...variables, preview: false }, steward);
    await ask('steward: history', `query ($id: ID!) { stewardshipLog(customerId: $id) { action reason identity { localId } } }`, { id: someone.id }, steward);
    await ask('steward: unlink again (refused, names the record)', unlink, { ...variables, preview: false }, steward);
  }
  await ask('steward: unknown identity', `mutation { releaseIdentity(identity: { system: POS, localId: "phone:${landline}", franchise: "NRD" }, reason: "check") { applied } }`, {}, steward);

  // The web shop answering 500s and the POS failing then down, asked for values no cache holds yet.
  const otherAccount = ecommerce.customers.filter((c) => c.id !== account.id && c.email.trim().toLowerCase() !== account.email.trim().toLowerCase()).at(-1)!;
  const otherOrder = ecommerce.orders.filter((o) => o.delivery.phone !== null).at(-1)!;
  await fault(stack.admin.ecommerce, { errorRate: 1 });
  try {
    await ask('web shop failing: accounts by email', `query ($email: String!) { webAccountsByEmail(email: $email) { id email phone } }`, { email: otherAccount.email }, service);
    await ask('web shop failing: web order', `query ($number: String!) { webOrder(number: $number) { number delivery { phone } } }`, { number: otherOrder.number }, service);
  } finally {
    await fault(stack.admin.ecommerce, null);
  }
  const [firstReceipt, secondReceipt] = pos.receipts.filter((r) => r.phone !== null && r.receipt_no !== phoneReceipt.receipt_no).slice(-2);
  for (const [label, faults, receipt] of [['pos failing', { errorRate: 1 }, firstReceipt!], ['pos down', { down: true }, secondReceipt!]] as const) {
    await fault(stack.admin.pos, faults);
    try {
      await ask(`${label}: store sale`, `query ($number: ID!) { storeSale(number: $number) { number cardNumber phone } }`, { number: receipt.receipt_no }, service);
      await ask(`${label}: customer by till phone`, `query ($phone: String!) { customer(by: { phone: $phone }) { storeSales { number phone } quotes { number phone } } }`, { phone: receipt.phone }, service);
    } finally {
      await fault(stack.admin.pos, null);
    }
  }
  // Loyalty failing then down: partial data, coded errors, and a contact choice recorded all the
  // same (its audit line written), its copy in the programme left pending.
  const otherMember = members.filter((m) => m.member_id !== member.member_id && m.member_id !== card.member_id).at(-1)!;
  await fault(stack.admin.loyalty, { errorRate: 1 });
  try {
    await ask('loyalty failing: members by phone', `query ($phone: String!) { loyaltyMembersByPhone(phone: $phone) { memberId cardNumber } }`, { phone: otherMember.phone ?? otherMember.mobile }, service);
  } finally {
    await fault(stack.admin.loyalty, null);
  }
  await fault(stack.admin.loyalty, { down: true });
  try {
    await ask('loyalty down: customer by email', `query DownByEmail($email: String!) { customer(by: { email: $email }) { id email { value } loyalty { cardNumber } webAccounts { email } } }`, { email: otherMember.email }, service);
    await ask('loyalty down: members by email', `query ($email: String!) { loyaltyMembersByEmail(email: $email) { memberId } }`, { email: otherMember.email }, service);
    await ask('loyalty down: member by card', `query ($card: String!) { loyaltyMemberByCard(cardNumber: $card) { memberId } }`, { card: card.card_number }, associate);
    await ask('loyalty down: consent', `mutation ($input: ContactPreferenceInput!) { ${SET_CONTACT} }`, { input: { customerId: holder, channel: 'EMAIL', purpose: 'MARKETING', status: 'UNSUBSCRIBED' } }, associate);
  } finally {
    await fault(stack.admin.loyalty, null);
  }

  // Callers the gateway refuses: nobody, a token from another issuer, a path with an email in it.
  await ask('anonymous: customer by email', `query ($email: String!) { customer(by: { email: $email }) { email { value } } }`, { email: account.email });
  const elsewhere = await mkdtemp(join(tmpdir(), 'crosscanal-forger-'));
  try {
    const forged = await (await openDevIssuer(elsewhere)).sign({ role: 'steward' });
    await ask('forged: customer by phone', `query ($phone: String!) { customer(by: { phone: $phone }) { email { value } } }`, { phone: member.mobile }, forged);
  } finally {
    await rm(elsewhere, { recursive: true, force: true });
  }
  await raw('a path with an email', `/customers/${encodeURIComponent(member.email!)}`, { headers: { authorization: `Bearer ${service}` } });
  return session;
}

// ------------------------------------------------------------------ the tests

let logDir: string;

beforeAll(async () => {
  logDir = await mkdtemp(join(tmpdir(), 'crosscanal-privacy-'));
});

afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
});

describe('a whole session, watched from outside the process', () => {
  let output = '';
  let records: NetRecord[] = [];
  let needles: Needle[] = [];
  let session: Session;

  beforeAll(async () => {
    const { stack, monitorLog } = await monitoredStack(logDir, 'session');
    try {
      // The estate is read before stop(), which deletes its folder.
      const estate = await readEstate(stack.dataDir);
      needles = personalData(estate);
      session = await driveSession(stack, estate);
    } finally {
      await stack.stop();
    }
    // Stopped first: what the process logs and connects to while it shuts down counts too.
    output = stack.output();
    records = readMonitor(monitorLog);
  }, 60_000);

  it('went where it meant to: lookups answered, refusals and source errors happened', () => {
    const answer = (label: string) => session.answers[label] as GraphQLAnswer;
    const codes = (label: string) => (answer(label).errors ?? []).map((e) => e.extensions?.code);
    expect(answer('service: customer by messy email').data?.customer).not.toBeNull();
    expect(answer('service: customer by card').data?.customer).not.toBeNull();
    expect(codes('service: customer by shared landline')).toContain('BAD_USER_INPUT');
    expect(codes('service: web accounts by a non-email')).toContain('BAD_USER_INPUT');
    expect(codes('loyalty down: customer by email')).toContain('SOURCE_UNAVAILABLE');
    expect(answer('partner: store sale').data?.storeSale).not.toBeNull();
    expect(codes('anonymous: customer by email')).toContain('UNAUTHENTICATED');
    // The choice at the till is recorded at the till's store and copied to the programme before the answer.
    const { memberId, place } = session.contact!;
    const loyaltyCopy = (label: string) =>
      (answer(label).data?.setContactPreference?.preference.copies as Array<{ system: string; localId: string; state: string }> | undefined)?.find((c) => c.system === 'LOYALTY' && c.localId === memberId);
    expect(answer('associate: consent').errors).toBeUndefined();
    expect(answer('associate: consent').data!.setContactPreference).toMatchObject({ created: true, decision: { status: 'SUBSCRIBED', source: place }, preference: { channel: 'SMS', status: 'SUBSCRIBED' } });
    expect(loyaltyCopy('associate: consent')).toMatchObject({ state: 'APPLIED' });
    // With the programme down the choice is recorded all the same and wins; its copy there waits.
    expect(answer('loyalty down: consent').errors).toBeUndefined();
    expect(answer('loyalty down: consent').data!.setContactPreference).toMatchObject({ created: true, decision: { status: 'UNSUBSCRIBED', source: place }, preference: { channel: 'EMAIL', status: 'UNSUBSCRIBED' } });
    expect(loyaltyCopy('loyalty down: consent')).toMatchObject({ state: 'PENDING' });
  });

  it('logs a line for every request', () => {
    const requests = jsonLines(output).filter((line) => line.msg === 'request');
    expect(requests.length).toBe(session.requests);
    // The writes' audit lines: who recorded which choice where, for both choices (the second
    // while the programme was down), and the copy job's line for the one the programme took.
    const { customerId, memberId, place } = session.contact!;
    const lines = jsonLines(output);
    const recorded = lines.filter((line) => line.write === 'setContactPreference').map((line) => ({ actor: line.actor, role: line.role, customer: line.customer, channel: line.channel, purpose: line.purpose, status: line.status, place: line.place }));
    const by = { actor: 'seller-4', role: 'associate', customer: customerId, purpose: 'MARKETING', place };
    expect(recorded).toEqual([
      { ...by, channel: 'SMS', status: 'SUBSCRIBED' },
      { ...by, channel: 'EMAIL', status: 'UNSUBSCRIBED' },
    ]);
    expect(lines.filter((line) => line.audit === 'contact-copy' && line.system === 'LOYALTY' && line.channel === 'SMS')).toEqual([
      expect.objectContaining({ decidedBy: 'seller-4', customer: customerId, record: memberId, status: 'SUBSCRIBED', state: 'APPLIED' }),
    ]);
  });

  it("logs none of the estate's emails, phone numbers or card numbers", () => {
    expect(needles.length).toBeGreaterThan(1000);
    const leak = firstLeak(output, needles);
    expect(leak && `${leak.needle.what} ${JSON.stringify(leak.needle.value)} is in the log line:\n${leak.line}`).toBeNull();
  });

  it('was watched: the monitor recorded the loopback connections between the pieces', () => {
    expect(records.filter((r) => r.kind === 'connect' && isLocal(r)).length).toBeGreaterThan(10);
  });

  it('opened no connection and looked up no name outside loopback', () => {
    expect(records.filter((r) => !isLocal(r)).map(describeRecord)).toEqual([]);
  });
});

describe('the controls: the checks above can fail', () => {
  it('catches a gateway with vendor telemetry on calling out (probes and lookups outside loopback)', async () => {
    const { stack, monitorLog } = await monitoredStack(logDir, 'telemetry', { GATEWAY_VENDOR_TELEMETRY: 'on' });
    try {
      const answer = await graphql(stack.url, '{ franchises { code } }');
      expect(answer.errors).toBeUndefined();
    } finally {
      await stack.stop();
    }
    // @apollo/gateway probes cloud metadata endpoints as it is built (AWS, Azure, GCP and
    // Alibaba resource detectors) and exports its usage metrics when it stops.
    const outside = readMonitor(monitorLog).filter((r) => !isLocal(r)).map(describeRecord);
    expect(outside).toEqual(expect.arrayContaining(['connect 169.254.169.254:80', 'lookup usage-reporting.api.apollographql.com:']));
  }, 45_000);

  it('finds personal data planted in a log capture, in another form than the estate stores it', () => {
    const estate = {
      ecommerce: { customers: [{ id: 10001, email: ' Jane.Doe@Example.com ', phone: '06.12.34.56.78' }], orders: [] },
      loyalty: { members: [{ member_id: 'M00100001', email: null, phone: '04 44 94 97 09', mobile: null }], cards: [{ card_number: '2975940737737', member_id: 'M00100001' }] },
      pos: { clients: [], receipts: [], quotes: [], returns: [] },
    } as unknown as Estate;
    const needles = personalData(estate);
    const found = (capture: string) => firstLeak(capture, needles)?.needle.what;
    expect(found('{"msg":"request"}\n{"msg":"not found","err":"no account for JANE.DOE@EXAMPLE.COM"}')).toBe('email of web account 10001');
    expect(found('{"msg":"x","phone":"+33612345678"}')).toMatch(/^phone of web account 10001/);
    expect(found('{"msg":"x","phone":"+33 (0)4 44 94 97 09"}')).toMatch(/^phone of member M00100001/);
    expect(found('{"msg":"x","card":"2 975940 737737"}')).toBe('card of member M00100001');
    expect(found('{"msg":"request","op":"ByEmail","rid":"W1000145","time":1796405044546,"memberId":"M00100001"}')).toBeUndefined();
  });

  // The monitor's own check, apart from the gateway: should the telemetry control stop finding
  // anything, this says whether the monitor or the gateway changed.
  it('the monitor records a fetch and a lookup outside loopback', async () => {
    const monitorLog = join(logDir, 'direct.jsonl');
    const script = `await fetch('http://10.255.255.1/', { signal: AbortSignal.timeout(300) }).catch(() => {});
      await import('node:dns').then((dns) => dns.promises.lookup('example.com')).catch(() => {});`;
    await promisify(execFile)(process.execPath, ['--import', MONITOR, '--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '', NET_MONITOR_LOG: monitorLog } });
    const outside = readMonitor(monitorLog).filter((r) => !isLocal(r)).map(describeRecord);
    expect(outside).toEqual(expect.arrayContaining(['connect 10.255.255.1:80', 'lookup example.com:']));
  });
});
