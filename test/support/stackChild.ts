import { ANY_PORTS } from '../../scripts/stack.js';
import { startTestStack } from './testDatabase.js';
import { drainOnSignals } from '../../subgraphs/shared/shutdown.js';
import { startTracing } from '../../subgraphs/shared/tracing.js';

// The whole graph in a process of its own, for tests that watch a process from outside: its
// memory, its logs, its connections. Configured by the environment (STACK_DATA_DIR,
// STACK_SCALE, DATABASE_URL for a test store (`testDatabase.ts`), and the GATEWAY_* variables
// the gateway reads); prints one `READY {json}` line
// with its addresses (and a `MEMORY {json}` line on SIGUSR2), then serves until SIGTERM, when it drains as `npm start` does: the gateway
// finishes its requests in flight while the subgraphs and stand-ins still answer them.
const dataDir = process.env.STACK_DATA_DIR;
if (!dataDir) throw new Error('STACK_DATA_DIR must name the folder of the estate');
// Traces when the OTEL_* variables ask for them, as `npm start` does.
await startTracing({ serviceName: 'crosscanal' });
const stack = await startTestStack({
  dataDir,
  scale: (process.env.STACK_SCALE as 'tiny' | 'demo' | undefined) ?? 'tiny',
  ...ANY_PORTS,
  gatewayEnv: process.env,
});
const { ecommerce, loyalty, pos, catalogue } = stack.estate;
console.log(
  `READY ${JSON.stringify({
    gateway: stack.gateway.url,
    subgraphs: stack.subgraphUrls,
    admin: { ecommerce: ecommerce.url, loyalty: loyalty.url, pos: pos.adminUrl, catalogue: catalogue.url },
  })}`,
);
drainOnSignals('stack', () => stack.stop());
// SIGUSR2 asks for the memory the process holds on to: after a full collection when the child
// runs with --expose-gc, so that what is left is what is kept, not what the collector has yet to reach.
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { heapUsed, external, rss } = process.memoryUsage();
  console.log(`MEMORY ${JSON.stringify({ heapUsed, external, rss, collected: Boolean(gc) })}`);
});
