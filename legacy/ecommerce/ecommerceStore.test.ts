import type { EcomCartRule, EcomOrder, EcommerceData } from '../generator/model.js';
import { EcommerceStore } from './ecommerceStore.js';
import { ecommerceFixture } from './fixture.js';

/**
 * A shop of 3,000 customers with 3 orders each, every order wrapped so that reading any
 * of its fields is noted: a query that scans leaves its mark on every order.
 */
function watchedShop() {
  const base = ecommerceFixture();
  const template = base.orders[0]!;
  const touched = new Set<number>();
  const orders: EcomOrder[] = [];
  for (let customerId = 1; customerId <= 3000; customerId++) {
    for (let n = 0; n < 3; n++) {
      const id = customerId * 10 + n;
      const order: EcomOrder = {
        ...structuredClone(template),
        id,
        number: `W${id}`,
        customer_id: customerId,
        updated_at: new Date(Date.UTC(2025, 0, 1) + id * 60_000).toISOString(),
      };
      orders.push(
        new Proxy(order, {
          get(target, property, receiver) {
            touched.add(target.id);
            return Reflect.get(target, property, receiver) as unknown;
          },
        }),
      );
    }
  }
  // Customer 7 has an account, so that it can be erased.
  const data: EcommerceData = { ...base, customers: [...base.customers, { ...base.customers[0]!, id: 7, email: 'seven@example.test' }], orders };
  const store = new EcommerceStore(data);
  touched.clear();
  return { store, touched };
}

test('a batch by customer ids reads only those customers\' orders', () => {
  const { store, touched } = watchedShop();
  const result = store.orders({ customerIds: [2999, 7, 1500, 424242] });
  const expected = [70, 71, 72, 15000, 15001, 15002, 29990, 29991, 29992];
  expect(result.map((o) => o.id)).toEqual(expected);
  expect([...touched].sort((a, b) => a - b)).toEqual(expected);
});

test('a batch by order numbers reads only the orders asked for', () => {
  const { store, touched } = watchedShop();
  expect(store.orders({ numbers: ['W12341', 'W20', 'W0'], status: 'collected' }).map((o) => o.id)).toEqual([20, 12341]);
  expect([...touched].sort((a, b) => a - b)).toEqual([20, 12341]);
});

test('updated_since finds the recent changes without reading older orders', () => {
  const { store, touched } = watchedShop();
  const since = Date.UTC(2025, 0, 1) + 29_990 * 60_000;
  const recent = store.orders({ updatedSince: since });
  expect(touched.size).toBe(0);
  expect(recent.map((o) => o.id)).toEqual([29990, 29991, 29992, 30000, 30001, 30002]);
});

test('refuses data that breaks the contract, naming the record', () => {
  const duplicate = ecommerceFixture();
  duplicate.customers.push({ ...duplicate.customers[0]! });
  expect(() => new EcommerceStore(duplicate)).toThrow(`customer id must be unique, but ${duplicate.customers[0]!.id} appears twice`);
  const badDate = ecommerceFixture();
  badDate.orders[0]!.updated_at = '21/01/2025';
  expect(() => new EcommerceStore(badDate)).toThrow(`order ${badDate.orders[0]!.id} has updated_at "21/01/2025", not an ISO 8601 instant`);
  const rule = (change: Partial<EcomCartRule>) => {
    const data = ecommerceFixture();
    Object.assign(data.cartRules[0]!, change);
    return () => new EcommerceStore(data);
  };
  expect(rule({ type: 'free_shipping' as const })).toThrow('cart rule 3 is free_shipping and takes no value (null), got "5.00"');
  expect(rule({ value: null })).toThrow('cart rule 3 is amount and needs a decimal value such as "10" or "5.00", got null');
  expect(rule({ type: 'gift' as EcomCartRule['type'] })).toThrow('cart rule 3 has type "gift", not one of percent, amount, free_shipping');
  expect(rule({ scope: { skus: null, min_subtotal: null } as EcomCartRule['scope'] })).toThrow('cart rule 3 has scope.first_order undefined, not true or false');
  expect(() => rule({ type: 'free_shipping', value: null, scope: { skus: null, min_subtotal: '60.00', first_order: true } })()).not.toThrow();
});

describe('a new order', () => {
  const order = (changes: Partial<EcomOrder>): EcomOrder => ({ ...structuredClone(ecommerceFixture().orders[0]!), ...changes });

  test('takes the next id and number, and is indexed in its place', () => {
    const store = new EcommerceStore(ecommerceFixture());
    expect([store.nextOrderId(), store.nextOrderNumber()]).toEqual([90009, 'W1000231']);
    store.addOrder(order({ id: 90009, number: 'W1000231', customer_id: 1003, quote_number: 'Q-1', updated_at: '2025-07-15T00:00:00.000Z' }));
    expect([store.nextOrderId(), store.nextOrderNumber()]).toEqual([90010, 'W1000232']);
    expect(store.orders({ customerIds: [1003] }).map((o) => o.id)).toEqual([90004, 90008, 90009]);
    expect(store.orders({ quoteNumber: 'Q-1' }).map((o) => o.id)).toEqual([90009]);
    // By updated_at, not last: it sorts between 90004 (2025-07-16) and older ones.
    expect(store.orders({ updatedSince: Date.parse('2025-07-01') }).map((o) => o.id).slice(0, 2)).toEqual([90009, 90004]);
  });

  test('an id or a number already taken, or an unknown customer, is refused and changes nothing', () => {
    const store = new EcommerceStore(ecommerceFixture());
    expect(() => store.addOrder(order({ id: 90001, number: 'W2' }))).toThrow('order id 90001 is taken');
    expect(() => store.addOrder(order({ id: 90100, number: 'W1000101' }))).toThrow('order number "W1000101" is taken');
    expect(() => store.addOrder(order({ id: 90100, number: 'W2', customer_id: 4242 }))).toThrow('no customer with id 4242');
    expect(store.orders({}).length).toBe(8);
    expect(store.nextOrderId()).toBe(90009);
  });

  test('an empty shop starts at id 1 and number W1000001', () => {
    const store = new EcommerceStore({ ...ecommerceFixture(), orders: [] });
    expect([store.nextOrderId(), store.nextOrderNumber()]).toEqual([1, 'W1000001']);
  });
});

describe('erasing a customer', () => {
  const at = '2026-03-14T10:22:00.000Z';

  test('replaces only that customer’s orders, in every index, without scanning the others', () => {
    const { store, touched } = watchedShop();
    store.eraseCustomer(7, at);
    // Each order goes back in the feed's order by a binary search: a few reads each, never a scan of 9,000.
    expect([70, 71, 72].every((id) => touched.has(id))).toBe(true);
    expect(touched.size).toBeLessThan(3 * 2 * Math.ceil(Math.log2(9000)));
    const cleared = { first_name: '', last_name: '', phone: null };
    for (const found of [store.orders({ customerIds: [7] }), store.orders({ numbers: ['W70', 'W71', 'W72'] }), store.orders({ updatedSince: Date.parse(at) })]) {
      expect(found.map((o) => [o.id, o.delivery, o.updated_at])).toEqual([70, 71, 72].map((id) => [id, cleared, at]));
    }
    expect(store.order(71)).toMatchObject({ delivery: cleared });
    expect(store.orders({}).length).toBe(9000);
    expect(store.orders({ customerIds: [8] })[0]!.delivery).not.toEqual(cleared);
  });

  test('keeps a quote’s order findable by its quote number, and refuses a second erasure of the customer', () => {
    const data = ecommerceFixture();
    const quoted = data.orders.find((o) => o.quote_number !== null)!;
    const store = new EcommerceStore(data);
    store.eraseCustomer(quoted.customer_id, at);
    expect(store.orders({ quoteNumber: quoted.quote_number! })).toEqual([expect.objectContaining({ id: quoted.id, delivery: { first_name: '', last_name: '', phone: null } })]);
    expect(() => store.eraseCustomer(quoted.customer_id, '2026-03-15T00:00:00.000Z')).toThrow(`customer ${quoted.customer_id} was already erased at ${at}`);
    expect(store.eraseCustomer(424242, at)).toBeUndefined();
    expect(data).toEqual(ecommerceFixture());
  });
});
