import type { FranchiseCode } from '../generator/model.js';
import type { FranchiseLayout } from './franchiseLayout.js';
import { nrdLayout } from './schema/nrd.js';
import { oueLayout } from './schema/oue.js';
import { sudLayout } from './schema/sud.js';

/** Each franchisee's till vendor, hence its database layout. */
export const LAYOUTS: Readonly<Record<FranchiseCode, FranchiseLayout>> = {
  NRD: nrdLayout,
  SUD: sudLayout,
  OUE: oueLayout,
};
