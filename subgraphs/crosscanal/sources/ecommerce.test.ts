import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listBody } from '../../../legacy/ecommerce/listBody.js';
import { LegacySource } from '../../shared/source.js';
import type { SourceRecord } from '../matching/records.js';
import { deliveryPhone, ecommerceReader, toRecord } from './ecommerce.js';

const account = { id: 10001, email: ' Marie.Garnier@SFR.fr', first_name: 'Marie', last_name: 'Garnier', phone: null as string | null, created_at: '2025-01-02T10:00:00Z', updated_at: '2025-06-01T10:00:00Z' };
const order = (placedAt: string, delivery: { first_name: string; last_name: string; phone: string | null } | null) => ({
  customer_id: 10001,
  placed_at: placedAt,
  updated_at: placedAt,
  delivery,
});

describe('deliveryPhone', () => {
  test("takes the latest order delivered to the account holder, names compared as the rules compare them", () => {
    const orders = [
      order('2025-02-01T10:00:00Z', { first_name: 'Marie', last_name: 'Garnier', phone: '06 11 11 11 11' }),
      order('2025-05-01T10:00:00Z', { first_name: 'MARIE', last_name: 'garnier', phone: '+33 6 22 22 22 22' }),
      order('2025-03-01T10:00:00Z', { first_name: 'Marie', last_name: 'Garnier', phone: '07.33.33.33.33' }),
    ];
    expect(deliveryPhone(account, orders)).toBe('+33622222222');
  });

  test('a parcel for someone else, a blank or unreadable phone, or no delivery at all says nothing', () => {
    expect(deliveryPhone(account, [order('2025-05-01T10:00:00Z', { first_name: 'Léa', last_name: 'Garnier', phone: '06 44 44 44 44' })])).toBeNull();
    expect(deliveryPhone(account, [order('2025-05-01T10:00:00Z', { first_name: 'Marie', last_name: 'Roux', phone: '06 44 44 44 44' })])).toBeNull();
    expect(deliveryPhone(account, [order('2025-05-01T10:00:00Z', { first_name: 'Marie', last_name: 'Garnier', phone: '12' })])).toBeNull();
    expect(deliveryPhone(account, [order('2025-05-01T10:00:00Z', { first_name: 'Marie', last_name: 'Garnier', phone: null })])).toBeNull();
    expect(deliveryPhone(account, [order('2025-05-01T10:00:00Z', null)])).toBeNull();
    expect(deliveryPhone({ first_name: '', last_name: 'Garnier' }, [order('2025-05-01T10:00:00Z', { first_name: '', last_name: 'Garnier', phone: '06 44 44 44 44' })])).toBeNull();
  });
});

describe('toRecord', () => {
  const record = (phone: string | null, delivered: string | null): Pick<SourceRecord, 'phone' | 'secondPhone'> => {
    const { phone: p, secondPhone } = toRecord({ ...account, phone }, delivered);
    return secondPhone === undefined ? { phone: p } : { phone: p, secondPhone };
  };

  test("the delivery phone fills an account without a phone, and stands beside a landline, never beside the account's own mobile", () => {
    expect(record(null, '+33622222222')).toEqual({ phone: '+33622222222' });
    expect(record('03 20 30 40 50', '+33622222222')).toEqual({ phone: '+33320304050', secondPhone: '+33622222222' });
    expect(record('06 11 11 11 11', '+33622222222')).toEqual({ phone: '+33611111111' });
    expect(record('03 20 30 40 50', '+33320304050')).toEqual({ phone: '+33320304050' });
    expect(record(null, null)).toEqual({ phone: null });
  });
});

describe('ecommerceReader', () => {
  let server: Server;
  let baseUrl: string;
  /** The orders the platform serves, or a body that is no list at all. */
  let orders: unknown[] | string = [];
  const served: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url!, 'http://localhost');
      served.push(`${url.pathname}?${url.searchParams.toString()}`);
      // The platform's own list envelope, as its stand-in writes it.
      const page = (data: unknown[]) => JSON.stringify(listBody(data, { page: 1, perPage: 200 }, url));
      response.setHeader('content-type', 'application/json');
      if (url.pathname === '/api/v1/customers') response.end(page(url.searchParams.has('ids') ? [{ ...account, id: 10002 }] : [account]));
      else if (url.pathname === '/api/v1/orders') response.end(typeof orders === 'string' ? orders : page(orders));
      else response.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const read = async (since: string | null) => {
    const reader = ecommerceReader({ baseUrl, source: new LegacySource('ecommerce', { retries: 0 }) });
    const records: SourceRecord[] = [];
    const result = await reader.read(since, async (batch) => void records.push(...batch));
    return { records, result };
  };

  test('a full read gives each account the phone of its deliveries, and a watermark for both feeds', async () => {
    orders = [order('2025-05-01T10:00:00Z', { first_name: 'Marie', last_name: 'Garnier', phone: '06 22 22 22 22' })];
    served.length = 0;
    const { records, result } = await read(null);
    expect(records.map((r) => [r.localId, r.phone])).toEqual([['10001', '+33622222222']]);
    expect(JSON.parse(result.watermark)).toEqual({ customers: '2025-06-01T10:00:00Z', orders: '2025-05-01T10:00:00Z' });
    // No feed of orders on a full read: the accounts' own orders are asked by batch of ids.
    expect(served.filter((s) => s.startsWith('/api/v1/orders')).every((s) => s.includes('customer_ids=10001'))).toBe(true);
  });

  test('an incremental read follows the orders feed and reads again an account whose only news is an order; an older watermark still works', async () => {
    orders = [{ ...order('2025-07-01T10:00:00Z', { first_name: 'Marie', last_name: 'Garnier', phone: '06 22 22 22 22' }), customer_id: 10002 }];
    served.length = 0;
    const { records, result } = await read('2025-06-01T10:00:00Z');
    expect(records.map((r) => r.localId).sort()).toEqual(['10001', '10002']);
    expect(served).toContain('/api/v1/orders?updated_since=2025-06-01T10%3A00%3A00Z&page=1&per_page=200');
    expect(served.some((s) => s.startsWith('/api/v1/customers?ids=10002'))).toBe(true);
    expect(JSON.parse(result.watermark)).toEqual({ customers: '2025-06-01T10:00:00Z', orders: '2025-07-01T10:00:00Z' });
  });

  test('a malformed orders answer is a coded bad response, not a guess', async () => {
    orders = [{ customer_id: 'x' }];
    await expect(read(null)).rejects.toMatchObject({ extensions: { code: 'SOURCE_BAD_RESPONSE', source: 'ecommerce' }, message: expect.stringMatching(/orders: malformed order/) });
    orders = 'not json';
    await expect(read(null)).rejects.toMatchObject({ extensions: { code: 'SOURCE_BAD_RESPONSE', source: 'ecommerce' }, message: expect.stringMatching(/orders: not JSON/) });
  });
});
