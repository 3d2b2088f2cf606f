import type { PointsMovement } from '../generator/model.js';
import type { Args } from './decode.js';
import { amountCents, formatCents, PROGRAMME_CURRENCY, purchasePoints } from './earning.js';
import type { WireObject } from './encode.js';
import { clientFault } from './fault.js';
import { knownMember } from './knownMember.js';
import type { Operation, OperationContext } from './operations.js';
import type { PurchaseCredit } from './store.js';
import { movementWire } from './wire.js';

const NAME = 'CreditExternalPurchase';

/** A purchase as the caller describes it, amount in the programme's two-decimal form. */
interface Purchase {
  transactionId: string;
  memberId: string;
  channel: NonNullable<PointsMovement['channel']>;
  reference: string;
  amount: string;
  currency: string;
  occurredAt: string;
}

/** What a repeat of a transaction id must match, in request order. */
const COMPARED = ['memberId', 'reference', 'amount', 'currency'] as const;

/**
 * `CreditExternalPurchase`: credits the points of a purchase made outside the programme's own
 * tills, once per transaction id. Calls that share a transaction id run one at a time, so
 * that a retry racing its original credits once.
 */
export const CREDIT_EXTERNAL_PURCHASE: Operation = {
  name: NAME,
  doc:
    "Credits the points of a purchase made outside the programme's own tills, at the programme's earning rule for purchases: " +
    '1 point per whole euro paid, rounded down, whatever the tier and with no offer applied (59.90 EUR earns 59 points, 0.99 EUR earns 0). ' +
    "Adds a PURCHASE movement (reference, at = occurredAt, a new id, transactionId and channel set), adds its points to the member's pointsBalance " +
    'and bumps updatedAt; GetPointsMovements and GetMember show it. Returns the movement and duplicate false. ' +
    'Idempotent by transactionId: a repeat with the same memberId, reference, amount (as a number: 59.9 = 59.90) and currency returns the first ' +
    'movement with duplicate true and credits nothing (channel and occurredAt are not compared); the same transactionId with another memberId, ' +
    'reference, amount or currency is a Client fault TRANSACTION_CONFLICT naming the first field that differs. A used transactionId is answered ' +
    'before anything else is checked. Otherwise a currency other than EUR is a Client fault INVALID_ARGUMENT and an unknown memberId MEMBER_NOT_FOUND. ' +
    'A member whose cards are all LOST or REPLACED, or who has none, still earns: the programme keeps no member status that stops earning.',
  request: [
    { name: 'transactionId', type: 'tns:TransactionId', doc: "The caller's unique id of the purchase, 1 to 64 characters." },
    { name: 'memberId', type: 'xs:string' },
    { name: 'channel', type: 'tns:PurchaseChannel' },
    { name: 'reference', type: 'tns:PurchaseReference', doc: 'The order number, 1 to 40 characters: the new movement\'s reference.' },
    { name: 'amount', type: 'tns:Amount', doc: 'What the customer paid, in currency.' },
    { name: 'currency', type: 'tns:CurrencyCode', doc: 'EUR, the programme\'s currency; any other code is a Client fault INVALID_ARGUMENT.' },
    { name: 'occurredAt', type: 'xs:dateTime', doc: 'When the purchase was made: the movement\'s at. Without a time zone, UTC.' },
  ],
  response: [
    { name: 'movement', type: 'tns:PointsMovement', doc: 'The PURCHASE movement of this transactionId: the new one, or the first one for a repeat.' },
    { name: 'duplicate', type: 'xs:boolean', doc: 'True when the transactionId was already credited and nothing was credited again.' },
  ],
  run(args, context) {
    const purchase = readPurchase(args);
    return context.transactions.run(purchase.transactionId, () => credit(purchase, context));
  },
};

function readPurchase(args: Args): Purchase {
  return {
    transactionId: args.one('transactionId'),
    memberId: args.one('memberId'),
    channel: args.one('channel') as Purchase['channel'],
    reference: args.one('reference'),
    amount: formatCents(amountCents(args.one('amount'))),
    currency: args.one('currency'),
    occurredAt: args.one('occurredAt'),
  };
}

async function credit(purchase: Purchase, { store, now, journal }: OperationContext): Promise<WireObject> {
  const held = store.credit(purchase.transactionId);
  if (held) return { movement: movementWire(sameAsHeld(held, purchase)), duplicate: true };

  if (purchase.currency !== PROGRAMME_CURRENCY) {
    throw clientFault(
      'INVALID_ARGUMENT',
      `${NAME}: currency must be ${PROGRAMME_CURRENCY}, the programme's currency, got ${JSON.stringify(purchase.currency)}`,
      'currency',
      purchase.currency,
    );
  }
  const member = knownMember(store, NAME, purchase.memberId);
  const movement: PurchaseCredit['movement'] = {
    // Reserved with no await before the journal takes the entry, so ids follow the journal's order.
    id: store.reserveMovementId(),
    member_id: member.member_id,
    at: purchase.occurredAt,
    points: purchasePoints(amountCents(purchase.amount)),
    reason: 'PURCHASE',
    reference: purchase.reference,
    transaction_id: purchase.transactionId,
    channel: purchase.channel,
  };
  const stored = await journal.record({ kind: NAME, movement, amount: purchase.amount, currency: purchase.currency, at: now().toISOString() });
  return { movement: movementWire(stored), duplicate: false };
}

/** The held credit's movement when `purchase` repeats it; a TRANSACTION_CONFLICT fault when it does not. */
function sameAsHeld(held: PurchaseCredit, purchase: Purchase): PointsMovement {
  const recorded: Record<(typeof COMPARED)[number], string> = {
    memberId: held.movement.member_id,
    reference: held.movement.reference ?? '',
    amount: held.amount,
    currency: held.currency,
  };
  const differing = COMPARED.filter((field) => recorded[field] !== purchase[field]);
  const [first] = differing;
  if (first === undefined) return held.movement;
  const changes = differing.map((field) => `${field} ${JSON.stringify(purchase[field])} instead of ${JSON.stringify(recorded[field])}`);
  throw clientFault(
    'TRANSACTION_CONFLICT',
    `${NAME}: transactionId ${JSON.stringify(purchase.transactionId)} was already credited for another purchase (movement ${held.movement.id}); ` +
      `this call has ${changes.join(', ')}`,
    first,
    purchase[first],
  );
}
