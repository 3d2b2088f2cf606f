import type { LoyaltyMember } from '../generator/model.js';
import type { Args } from './decode.js';
import type { WireObject } from './encode.js';
import { clientFault } from './fault.js';
import { knownMember } from './knownMember.js';
import type { Operation, OperationContext } from './operations.js';
import { memberWire } from './wire.js';

const NAME = 'UpdateSizes';

type Sizes = LoyaltyMember['sizes'];
/** The size elements, in request order: each is also the key of the member's `sizes`. */
const SIZE_FIELDS = ['shoe', 'top', 'bottom'] as const satisfies ReadonlyArray<keyof Sizes>;

const UNCHANGED_OR_CLEARED = 'Absent: left as it is. Empty (or xsi:nil): cleared.';

/**
 * `UpdateSizes`: records the sizes a member gives at a till or on the phone. What is given
 * replaces what is stored, size by size; calls for one member run one after the other, so
 * that two of them giving different sizes both keep theirs.
 */
export const UPDATE_SIZES: Operation = {
  name: NAME,
  doc:
    "Records the member's sizes: each size element given replaces the stored one (empty, or xsi:nil, clears it), an absent one is left as it is; " +
    'at least one must be given (MISSING_ARGUMENT otherwise). Stores them, bumps updatedAt and returns the member. ' +
    'A shoe size is EU 16 to 50, whole or half (42, 42.5); a top or bottom size is XS, S, M, L, XL, XXL, XXXL or a whole EU size from 30 to 66; ' +
    'anything else is a Client fault INVALID_SIZE naming the element and the value. An unknown memberId is a Client fault MEMBER_NOT_FOUND. ' +
    'Idempotent: a call that changes nothing (every size given is already the one stored, as after a retry) stores nothing, leaves updatedAt ' +
    'as it is and returns the member. The last call wins: a late retry of an older call undoes a newer one.',
  request: [
    { name: 'memberId', type: 'xs:string' },
    { name: 'shoe', type: 'tns:ShoeSize', minOccurs: 0, nillable: true, doc: `EU shoe size. ${UNCHANGED_OR_CLEARED}` },
    { name: 'top', type: 'tns:ClothingSize', minOccurs: 0, nillable: true, doc: `Size of tops (shirts, jackets). ${UNCHANGED_OR_CLEARED}` },
    { name: 'bottom', type: 'tns:ClothingSize', minOccurs: 0, nillable: true, doc: `Size of bottoms (trousers, tights). ${UNCHANGED_OR_CLEARED}` },
    {
      name: 'updatedBy',
      type: 'tns:ChangeSource',
      doc: 'Where the sizes were given: STORE:<store code> at a till, CALLCENTER on the phone, WEB or APP. Kept with the change in the programme\'s journal.',
    },
  ],
  response: [{ name: 'member', type: 'tns:Member', doc: 'The member with the sizes now in force.' }],
  run(args, context) {
    const given = readSizes(args);
    const memberId = args.one('memberId');
    const updatedBy = args.one('updatedBy');
    return context.sizeUpdates.run(memberId, () => update(memberId, given, updatedBy, context));
  },
};

/** The sizes the request gives, null for a size to clear; a MISSING_ARGUMENT fault when it gives none. */
function readSizes(args: Args): Partial<Sizes> {
  const given: Partial<Sizes> = {};
  for (const field of SIZE_FIELDS) {
    const value = args.optional(field);
    if (value !== undefined) given[field] = value === '' ? null : value;
  }
  if (Object.keys(given).length === 0) {
    throw clientFault('MISSING_ARGUMENT', `${NAME} needs at least one of ${SIZE_FIELDS.join(', ')} (empty to clear a size)`, SIZE_FIELDS[0]);
  }
  return given;
}

async function update(memberId: string, given: Partial<Sizes>, updatedBy: string, { store, now, journal }: OperationContext): Promise<WireObject> {
  const member = knownMember(store, NAME, memberId);
  const sizes: Sizes = { ...member.sizes, ...given };
  const changed = SIZE_FIELDS.some((field) => sizes[field] !== member.sizes[field]);
  // A repeat changes nothing, so it is not a write: no journal entry, no new updatedAt.
  const stored = changed ? await journal.record({ kind: NAME, member_id: member.member_id, sizes, updated_by: updatedBy, at: now().toISOString() }) : member;
  return { member: memberWire(stored, store.cardsOf(stored.member_id)) };
}
