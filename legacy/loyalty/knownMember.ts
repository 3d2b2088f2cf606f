import type { LoyaltyMember } from '../generator/model.js';
import { clientFault } from './fault.js';
import type { LoyaltyStore } from './store.js';

/** The member `id` names; a Client fault MEMBER_NOT_FOUND, naming `operation`, when there is none. */
export function knownMember(store: LoyaltyStore, operation: string, id: string): LoyaltyMember {
  const member = store.member(id);
  if (!member) throw clientFault('MEMBER_NOT_FOUND', `${operation}: no member with memberId ${JSON.stringify(id)}`, 'memberId', id);
  return member;
}
