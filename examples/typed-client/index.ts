import { parseArgs } from 'node:util';
import { createTypedClient, customerOrders, describeOrder, formatPrice, productByRef } from './client.js';

// `npx tsx examples/typed-client/index.ts --product 254.275.41 --email noah.aubry@sfr.fr`:
// a product's prices and stock, and a customer's latest orders, through the typed client.
// The gateway is CROSSCANAL_GATEWAY_URL (default http://127.0.0.1:4000/), the token
// CROSSCANAL_TOKEN (needed for --email: `npm run token -- --role service`).

const usage = 'usage: npx tsx examples/typed-client/index.ts [--product CATALOGUE_REF] [--email EMAIL] [--orders N]';

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { product: { type: 'string' }, email: { type: 'string' }, orders: { type: 'string', default: '5' } }, strict: true });
  const first = Number(values.orders);
  if ((!values.product && !values.email) || !Number.isInteger(first) || first < 1) {
    console.error(usage);
    return 2;
  }
  const client = createTypedClient({ url: process.env.CROSSCANAL_GATEWAY_URL || 'http://127.0.0.1:4000/', token: process.env.CROSSCANAL_TOKEN || undefined });
  let found = true;
  try {
    if (values.product) {
      const product = await productByRef(client, values.product);
      if (product === null) {
        console.log(`no product ${values.product}`);
        found = false;
      } else {
        const prices = [product.listPrice && `list ${formatPrice(product.listPrice)}`, product.webPrice && `web ${formatPrice(product.webPrice)}`];
        console.log(`${product.catalogueRef} ${product.name ?? '(no name)'}: ${prices.filter(Boolean).join(', ') || 'no price'}`);
        for (const { store, quantity } of product.storeStock ?? []) console.log(`  ${store.code} ${store.name}: ${quantity} in stock`);
      }
    }
    if (values.email) {
      const customer = await customerOrders(client, values.email, first);
      if (customer === null) {
        console.log(`no customer with the email ${values.email}`);
        found = false;
      } else {
        const card = customer.loyalty ? `, card ${customer.loyalty.cardNumber ?? '-'} (${customer.loyalty.tier}, ${customer.loyalty.pointsBalance} points)` : '';
        console.log(`${customer.displayName?.value ?? customer.id}${card}: ${customer.orders?.totalCount ?? 0} orders`);
        for (const { node } of customer.orders?.edges ?? []) console.log(`  ${describeOrder(node)}`);
      }
    }
  } finally {
    client.stop();
  }
  return found ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
