import type { QueryResolvers } from '../generated/types.js';
import DataLoader from 'dataloader';
import { accessDenied } from '../../shared/principal.js';
import { badUserInput } from '../../shared/errors.js';
import type { Context } from '../context.js';
import type { ReferenceMatch } from './lookup.js';
import type { ProductSourceName } from './readers.js';
import { referenceStoreOf, resolveReferences } from './referenceIndex.js';
import { franchiseOf, referenceProblem } from './references.js';

/** Most codes `unmappedProductCodes` lists in one answer. */
const MAX_UNMAPPED = 500;

const SOURCE_SYSTEM = { catalogue: 'CATALOGUE', ecommerce: 'ECOMMERCE', pos: 'POS' } as const satisfies Record<ProductSourceName, string>;

/** Per request: references asked in one operation are looked up together. */
const loaders = new WeakMap<Context, DataLoader<string, ReferenceMatch | null>>();

function referenceLoader(context: Context): DataLoader<string, ReferenceMatch | null> {
  let loader = loaders.get(context);
  if (loader === undefined) {
    const index = referenceStoreOf(context.store);
    loader = new DataLoader<string, ReferenceMatch | null>((keys) =>
      resolveReferences(
        index,
        keys.map((key) => JSON.parse(key) as { ref: string; franchise: string | null }),
        new Date().toISOString(),
      ),
    );
    loaders.set(context, loader);
  }
  return loader;
}

function franchiseArgument(franchise: string | null | undefined, field: string): string | null {
  if (franchise === null || franchise === undefined) return null;
  const code = franchiseOf(franchise);
  if (code === null) throw badUserInput(`${field}: franchise must be a franchise code such as "NRD" (letters, digits, - or _, at most 16), got ${JSON.stringify(franchise)}`, 'franchise');
  return code;
}

/** The Query fields of the product reference index; the other types resolve as plain objects. */
export const productReferenceQueries = {
  productByReference(_: unknown, { ref, franchise }: { ref: string; franchise?: string | null }, context: Context) {
    const problem = referenceProblem(ref);
    if (problem !== null) throw badUserInput(`productByReference: ${problem}`, 'ref');
    const request = { ref: ref.trim(), franchise: franchiseArgument(franchise, 'productByReference') };
    return referenceLoader(context).load(JSON.stringify(request));
  },

  unmappedProductCodes(_: unknown, { system, franchise, first }: { system?: string | null; franchise?: string | null; first: number }, context: Context) {
    if (!Number.isInteger(first) || first < 1 || first > MAX_UNMAPPED) throw badUserInput(`unmappedProductCodes: first must be from 1 to ${MAX_UNMAPPED}, got ${first}`, 'first');
    let code = franchiseArgument(franchise, 'unmappedProductCodes');
    const { principal } = context;
    if (principal.role === 'partner') {
      // A partner sees its own tills' codes: not another franchise's, nor what anyone asked of the index.
      if (code !== null && code !== principal.franchise) throw accessDenied(principal, `a partner of ${principal.franchise} sees its own franchise's codes, not ${code}'s`);
      if (system === 'CROSSCANAL') return [];
      code = principal.franchise ?? null;
      system = 'POS';
    }
    // Only the tills' codes and the references asked for can be unmapped: other systems name their products.
    if (system != null && system !== 'POS' && system !== 'CROSSCANAL') return [];
    return referenceStoreOf(context.store).unmapped({ system: system ?? null, franchise: code, first });
  },

  async productReferenceSync(_: unknown, __: unknown, context: Context) {
    const states = await referenceStoreOf(context.store).syncStates();
    return {
      sources: [...states.values()].map((state) => ({
        source: SOURCE_SYSTEM[state.source],
        lastRunAt: state.lastRunAt,
        lastFullAt: state.lastFullAt,
        lastError: state.lastError,
        entries: state.entries,
      })),
    };
  },

  referenceQuality: (_: unknown, __: unknown, context: Context) => referenceStoreOf(context.store).quality(),
} satisfies QueryResolvers;
