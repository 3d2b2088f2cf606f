import type { WireObject } from './encode.js';
import { clientFault } from './fault.js';
import { knownMember } from './knownMember.js';
import type { Operation, OperationContext } from './operations.js';

const NAME = 'EraseMember';

/**
 * The key every erasure runs under: one at a time, so that the checks of a request id and of a
 * member are still true when the erasure is recorded (two ids racing for one member, or one id
 * for two members, would otherwise both pass them). Erasures are rare; nothing waits long.
 */
const ONE_AT_A_TIME = 'erasure';

/**
 * `EraseMember`: the right to erasure. Anonymises the member and keeps what accounting needs
 * (LoyaltyStore.eraseMember says what); idempotent by the caller's request id.
 */
export const ERASE_MEMBER: Operation = {
  name: NAME,
  doc:
    'Erases a member (the right to erasure), keeping what accounting must keep: the points movements, balance and tier stay; ' +
    'firstName and lastName become empty, email, phone, mobile, birthDate, postcode and every size nil, every ACTIVE card is marked LOST ' +
    '(numbers kept), the consent history is replaced by an OPT_OUT on every channel captured at the erasure, and personalised offers go. ' +
    'Bumps updatedAt to erasedAt. Returns erasedAt and duplicate false. Idempotent by requestId: a repeat answers the first erasedAt with ' +
    'duplicate true and changes nothing; a member already erased under another requestId is answered the same way (its erasedAt, duplicate ' +
    'true). A requestId that erased another member is a Client fault REQUEST_CONFLICT. An unknown memberId is a Client fault MEMBER_NOT_FOUND.',
  request: [
    { name: 'memberId', type: 'xs:string' },
    { name: 'requestId', type: 'tns:RequestId', doc: "The caller's unique id of the erasure request, 1 to 64 characters: a repeat under it is answered as the first was." },
  ],
  response: [
    { name: 'erasedAt', type: 'xs:dateTime', doc: 'When the member was erased: now, or when the first erasure was made for a repeat.' },
    { name: 'duplicate', type: 'xs:boolean', doc: 'True when the member was already erased and nothing was changed.' },
  ],
  run(args, context) {
    const memberId = args.one('memberId');
    const requestId = args.one('requestId');
    return context.erasures.run(ONE_AT_A_TIME, () => erase(memberId, requestId, context));
  },
};

async function erase(memberId: string, requestId: string, { store, now, journal }: OperationContext): Promise<WireObject> {
  // A used request id is answered from its record before anything else is checked, as a used transaction id is.
  const earlier = store.erasureByRequest(requestId);
  if (earlier) {
    if (earlier.member_id !== memberId) {
      throw clientFault(
        'REQUEST_CONFLICT',
        `${NAME}: requestId ${JSON.stringify(requestId)} already erased member ${earlier.member_id} at ${earlier.at}, not ${memberId}`,
        'memberId',
        memberId,
      );
    }
    return { erasedAt: earlier.at, duplicate: true };
  }
  const member = knownMember(store, NAME, memberId);
  // Erased under another request id (the caller's retry under a new id, another caller): the same answer, nothing recorded.
  const held = store.erasureOf(member.member_id);
  if (held) return { erasedAt: held.at, duplicate: true };
  const erasure = await journal.record({ kind: NAME, member_id: member.member_id, request_id: requestId, at: now().toISOString() });
  return { erasedAt: erasure.at, duplicate: false };
}
