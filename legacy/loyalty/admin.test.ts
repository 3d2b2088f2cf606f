import { loyaltyFixture } from './fixture.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, envelope, soapClient } from './testClient.js';

let server: RunningLoyalty;
let soap: ReturnType<typeof soapClient>;

beforeAll(async () => {
  server = await startLoyalty({ data: loyaltyFixture() });
  soap = soapClient(server.endpoint);
});
afterAll(() => server.stop());
afterEach(async () => {
  await fetch(`${server.url}/__admin/faults`, { method: 'DELETE' });
  await fetch(`${server.url}/__admin/calls`, { method: 'DELETE' });
});

const setFaults = async (faults: object) => {
  const res = await fetch(`${server.url}/__admin/faults`, { method: 'PUT', body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
};
const calls = async () => (await fetch(`${server.url}/__admin/calls`)).json();
const memberIds = (ids: string[]) => ids.map((id) => arg('memberId', id)).join('');

describe('injected faults', () => {
  test('an error is a soap:Server fault with HTTP 500, counted as faulted, not as served', async () => {
    await setFaults({ errorRate: 1 });
    const reply = await soap.call('GetMember', arg('memberId', 'M00100001'));
    expect(reply.status).toBe(500);
    expect(reply.fault).toEqual({
      faultcode: 'soap:Server',
      faultstring: expect.stringMatching(/^Server was unable to process request\. ---> .*injected fault/),
      detail: { code: 'SERVER_ERROR' },
    });
    const wsdl = await fetch(server.wsdlUrl);
    expect(wsdl.status).toBe(500);
    expect(await calls()).toEqual({ system: 'loyalty', total: 0, byOperation: {}, itemsByOperation: {}, faulted: 2 });

    await fetch(`${server.url}/__admin/faults`, { method: 'DELETE' });
    expect((await soap.call('GetMember', arg('memberId', 'M00100001'))).status).toBe(200);
  });

  test('down drops the connection: the fetch rejects and health says down', async () => {
    await setFaults({ down: true });
    await expect(soap.call('GetMember', arg('memberId', 'M00100001'))).rejects.toThrow();
    await expect(fetch(server.wsdlUrl)).rejects.toThrow();
    expect(await (await fetch(`${server.url}/__admin/health`)).json()).toEqual({ system: 'loyalty', status: 'down' });
    expect((await calls()).faulted).toBe(2);
  });

  test('latency delays the answer', async () => {
    const timed = async () => {
      const started = performance.now();
      expect((await soap.call('GetMember', arg('memberId', 'M00100001'))).status).toBe(200);
      return performance.now() - started;
    };
    await setFaults({ latencyMs: 120 });
    expect(await timed()).toBeGreaterThanOrEqual(110);
    await fetch(`${server.url}/__admin/faults`, { method: 'DELETE' });
    expect(await timed()).toBeLessThan(110);
  });

  test('faults given at start are in force and are what DELETE restores', async () => {
    const broken = await startLoyalty({ data: loyaltyFixture(), faults: { latencyMs: 0, jitterMs: 0, errorRate: 1, down: false } });
    try {
      const client = soapClient(broken.endpoint);
      expect((await client.call('GetMember', arg('memberId', 'M00100001'))).fault?.faultcode).toBe('soap:Server');
      await fetch(`${broken.url}/__admin/faults`, { method: 'PUT', body: '{"errorRate":0}' });
      expect((await client.call('GetMember', arg('memberId', 'M00100001'))).status).toBe(200);
      await fetch(`${broken.url}/__admin/faults`, { method: 'DELETE' });
      expect((await client.call('GetMember', arg('memberId', 'M00100001'))).fault?.faultcode).toBe('soap:Server');
    } finally {
      await broken.stop();
    }
  });
});

describe('call counters', () => {
  test('count one call per SOAP operation and the ids asked for as items', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => `M${String(100_001 + i).padStart(8, '0')}`);
    await soap.call('GetMembers', memberIds(hundred));
    await soap.call('GetMembers', memberIds(['M00100001', 'M00100002', 'M00100001']));
    await soap.call('GetCards', memberIds(['M00100001', 'M00100004']));
    await soap.call('GetMember', arg('memberId', 'M00100001'));
    await soap.call('GetMember', arg('memberId', 'M00999999'));
    await soap.call('FindMembersByPhone', arg('phone', '0612345678'));

    const counts = await calls();
    expect(counts).toEqual({
      system: 'loyalty',
      total: 6,
      byOperation: { GetMembers: 2, GetCards: 1, GetMember: 2, FindMembersByPhone: 1 },
      itemsByOperation: { GetMembers: 103, GetCards: 2, GetMember: 2, FindMembersByPhone: 1 },
      faulted: 0,
    });
    expect(server.counter.snapshot()).toEqual({ total: counts.total, byOperation: counts.byOperation, itemsByOperation: counts.itemsByOperation, faulted: 0 });
  });

  test('count a refused batch under its operation, and not what names no operation', async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => `M${String(100_001 + i).padStart(8, '0')}`);
    expect((await soap.call('GetConsents', memberIds(tooMany))).status).toBe(500);
    await soap.post('<not-soap', { 'content-type': 'text/xml; charset=utf-8', soapaction: 'GetMember' });
    await soap.call('GetMemberz', arg('memberId', 'M00100001'), { action: '' });
    await soap.post(envelope(''), { 'content-type': 'text/xml; charset=utf-8', soapaction: '' });
    await fetch(server.wsdlUrl);

    expect(await calls()).toMatchObject({ total: 2, byOperation: { GetConsents: 1, WSDL: 1 }, itemsByOperation: { GetConsents: 101, WSDL: 1 } });
  });
});
