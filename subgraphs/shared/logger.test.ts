import { scrubPersonalData } from './logger.js';

// The one scrubber every log line goes through (docs/access.md, "No personal data in logs"):
// what it must take out, and what it must leave alone for the logs to stay useful.

describe('scrubPersonalData', () => {
  it.each([
    'jean.dupont@example.fr',
    'Jean.Dupont@Example.FR',
    'p.royer+shop@yahoo.fr',
    'jean-luc.o_neil@sub.domain.co.uk',
    'x%y=z!{a}@mail-relay.example.com',
    '12345@numbers.example',
  ])('replaces the email %j', (email) => {
    expect(scrubPersonalData(email)).toBe('[email]');
  });

  it('replaces emails inside a sentence, quoted, bracketed or with stray spaces around them', () => {
    expect(scrubPersonalData('email must be an address, got " ANNE@MAIL.COM "')).toBe('email must be an address, got " [email] "');
    expect(scrubPersonalData('<a.b@c.io>; mailto:x.y@z.fr, (k@l.de)')).toBe('<[email]>; mailto:[email], ([email])');
  });

  it.each([
    ['E.164', '+33612345678'],
    ['international, spaced', '+33 6 12 34 56 78'],
    ['national, spaced', '06 12 34 56 78'],
    ['national, dotted', '06.12.34.56.78'],
    ['national, dashed', '06-12-34-56-78'],
    ['national, compact', '0612345678'],
    ['a landline', '04 44 94 97 09'],
    ['00 prefix', '0033612345678'],
    ['00 prefix, spaced', '0033 6 12 34 56 78'],
    ['another country', '+32 470 12 34 56'],
  ])('replaces a phone number (%s)', (_, phone) => {
    expect(scrubPersonalData(phone)).toBe('[phone]');
  });

  it('replaces phone numbers in the messages that echo them', () => {
    expect(scrubPersonalData('customer: by.phone "04 44 94 97 09" identifies 2 customers; customers(by:) lists them')).toBe(
      'customer: by.phone "[phone]" identifies 2 customers; customers(by:) lists them',
    );
    expect(scrubPersonalData('identity POS "phone:+33444949709" of franchise NRD')).toBe('identity POS "phone:[phone]" of franchise NRD');
  });

  it('replaces card numbers and other long digit runs', () => {
    expect(scrubPersonalData('2975940737737')).toBe('[number]');
    expect(scrubPersonalData('POS "card:2968859921854" (card 2968859921854 seen at a till)')).toBe('POS "card:[number]" (card [number] seen at a till)');
    expect(scrubPersonalData('by.cardNumber must be 13 digits, got "2996998973688"')).toBe('by.cardNumber must be 13 digits, got "[number]"');
    expect(scrubPersonalData('33612345678')).toBe('[number]');
  });

  it.each([
    ['an ISO date-time', '2026-03-14T10:22:00.000Z'],
    ['an ISO date-time with an offset', '2026-03-14T11:22:00+01:00'],
    ['a date', '2026-03-14'],
    ['a time', '10:22:00'],
    ['an amount in cents', 'total 12990 cents'],
    ['a decimal amount', '59.90 EUR'],
    ['a web order number', 'W1000145'],
    ['a store receipt number', 'NRD01-0004711'],
    ['a quote number', 'Q-NRD01-000042'],
    ['a member id', 'M00100001'],
    ['a catalogue reference', '702.611.50'],
    ['a seller code', 'SUD01-V2'],
    ['a request id', 'dcded415-dc79-4b59-9c4a-3ffcd06c6318'],
    ['a loopback address', '127.0.0.1:4000'],
    ['an SQLSTATE', 'injected fault (SQLSTATE 08006)'],
    ['a duration', '"ms":48'],
    ['a log sentence', 'consent change for M00100042 at STORE:OUE02 on 2026-03-14 at 10:22, 3 of 12990'],
  ])('leaves %s alone', (_, text) => {
    expect(scrubPersonalData(text)).toBe(text);
  });

  // utilities/phone.ts reads `+33 (0)6…`, and loyaltyMemberByCard accepts a card number with
  // spaces, as printed under its bar code: both can reach an error message as typed.
  it('replaces a French number written with its trunk 0 in brackets (+33 (0)6 12 34 56 78)', () => {
    expect(scrubPersonalData('+33 (0)6 12 34 56 78')).not.toMatch(/\d{2} \d{2} \d{2}/);
  });

  it('replaces a card number written in groups, as printed under its bar code (2 975940 737737)', () => {
    expect(scrubPersonalData('2 975940 737737')).not.toMatch(/\d{6}/);
  });

  it("replaces an address whose local part holds an apostrophe, whole", () => {
    expect(scrubPersonalData("got o'brien@mail.ie, expected a card")).toBe('got [email], expected a card');
  });

  it('still replaces an address after a long run of word characters, and the longest name a domain may have', () => {
    expect(scrubPersonalData(`${'x'.repeat(10_000)} jean.dupont@example.fr`)).toBe(`${'x'.repeat(10_000)} [email]`);
    const longest = `${'a'.repeat(64)}@${`${'b'.repeat(63)}.`.repeat(3)}com`;
    expect(scrubPersonalData(`<${longest}>`)).toBe('<[email]>');
  });

  // A log line can echo what a client sent (an argument in an error message, up to the body
  // limit of 256 KiB). With an unbounded run before the `@`, 100 KB of word characters took the
  // scrubber about a minute, every log line of the process waiting behind it; bounded, about a
  // tenth of a second at worst. The limit below is thousands of times the bounded cost and a
  // small fraction of the unbounded one (n² steps: about 6 minutes at 256 KiB).
  it.each([
    ['one word, no @', 'x'.repeat(256 * 1024)],
    ['one word, an @ at its end', `${'x'.repeat(256 * 1024)}@`],
    ['a domain of endless labels', `a@${'b.'.repeat(128 * 1024)}`],
    ['digits parted by spaces', '1 '.repeat(128 * 1024)],
  ])('scrubs 256 KiB of hostile text in linear time (%s)', (_, text) => {
    const started = performance.now();
    scrubPersonalData(text);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

test('leaves module paths in a stack trace alone', () => {
  const frame = 'at sendRequest (file:///srv/node_modules/@apollo/gateway/dist/datasources/RemoteGraphQLDataSource.js:223:12)';
  expect(scrubPersonalData(frame)).toBe(frame);
});
