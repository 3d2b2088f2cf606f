import { parseArgs } from 'node:util';
import { DEFAULT_DEV_ISSUER_DIR, openDevIssuer, type DevTokenRequest } from '../gateway/devIssuer.js';
import { isRole, ROLES } from '../subgraphs/shared/principal.js';

// `npm run token -- --role <role> [--franchise CODE] [--store CODE] [--customer ID] [--client ID] [--actor NAME] [--ttl SECONDS]`:
// a bearer token signed by the development issuer that `npm start` trusts. The last line
// printed is the bare token, so that a script can take it with `tail -n 1`.

const usage = `usage: npm run token -- --role <${ROLES.join('|')}> [--franchise CODE] [--store CODE] [--customer GOLDEN_ID] [--client CLIENT_ID] [--actor NAME] [--ttl SECONDS]
  partner needs --franchise, associate needs --store, customer needs --customer.`;

class UsageError extends Error {}

/** The token asked for by the command line, or a UsageError saying what is wrong. */
function request(args: string[], env: NodeJS.ProcessEnv): DevTokenRequest {
  if (env.NODE_ENV === 'production') throw new UsageError('development tokens are not made in production (NODE_ENV=production)');
  let values;
  try {
    ({ values } = parseArgs({
      args,
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
    throw new UsageError((error as Error).message);
  }
  const { role, franchise, store, customer, client, actor, ttl } = values;
  if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role ?? null)}`);
  if (role === 'partner' && !franchise) throw new UsageError('a partner token needs --franchise');
  if (role === 'associate' && !store) throw new UsageError('an associate token needs --store');
  if (role === 'customer' && !customer) throw new UsageError('a customer token needs --customer (a golden id, cus_…)');
  const ttlSeconds = Number(ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) throw new UsageError(`--ttl must be whole seconds from 1 to 86400, got ${JSON.stringify(ttl)}`);
  return { role, actor, franchise, store, customerId: customer, client, ttlSeconds };
}

// The exit code is set, not forced: the process ends once stdout and stderr are written out.
try {
  const asked = request(process.argv.slice(2), process.env);
  const dir = process.env.GATEWAY_DEV_ISSUER_DIR || DEFAULT_DEV_ISSUER_DIR;
  const token = await (await openDevIssuer(dir)).sign(asked);
  console.error(`a ${asked.role} token from the development issuer in ${dir}, valid ${asked.ttlSeconds} s; send it as "Authorization: Bearer <token>":`);
  console.log(token);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n${usage}`);
  process.exitCode = 2;
}
