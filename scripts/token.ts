import { parseArgs } from 'node:util';
import { DEFAULT_DEV_ISSUER_DIR, openDevIssuer } from '../gateway/devIssuer.js';
import { isRole, ROLES } from '../subgraphs/shared/principal.js';

// `npm run token -- --role <role> [--franchise CODE] [--store CODE] [--customer ID] [--client ID] [--actor NAME] [--ttl SECONDS]`:
// a bearer token signed by the development issuer that `npm start` trusts. The last line
// printed is the bare token, so that a script can take it with `tail -n 1`.

const usage = `usage: npm run token -- --role <${ROLES.join('|')}> [--franchise CODE] [--store CODE] [--customer GOLDEN_ID] [--client CLIENT_ID] [--actor NAME] [--ttl SECONDS]
  partner needs --franchise, associate needs --store, customer needs --customer.`;

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

if (process.env.NODE_ENV === 'production') fail('development tokens are not made in production (NODE_ENV=production)');
let values;
try {
  ({ values } = parseArgs({
    options: {
      role: { type: 'string' },
      franchise: { type: 'string' },
      store: { type: 'string' },
      customer: { type: 'string' },
      client: { type: 'string' },
      actor: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
const { role, franchise, store, customer, client, actor, ttl } = values;
if (!isRole(role)) fail(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role ?? null)}`);
if (role === 'partner' && !franchise) fail('a partner token needs --franchise');
if (role === 'associate' && !store) fail('an associate token needs --store');
if (role === 'customer' && !customer) fail('a customer token needs --customer (a golden id, cus_…)');
const ttlSeconds = Number(ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) fail(`--ttl must be whole seconds from 1 to 86400, got ${JSON.stringify(ttl)}`);

const dir = process.env.GATEWAY_DEV_ISSUER_DIR || DEFAULT_DEV_ISSUER_DIR;
const issuer = await openDevIssuer(dir);
const token = await issuer.sign({ role, actor, franchise, store, customerId: customer, client, ttlSeconds });
console.error(`a ${role} token from the development issuer in ${dir}, valid ${ttlSeconds} s; send it as "Authorization: Bearer <token>":`);
console.log(token);
