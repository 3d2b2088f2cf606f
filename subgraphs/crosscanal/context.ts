import DataLoader from 'dataloader';
import type { RequestIdentity } from '../shared/subgraphServer.js';
import type { WebPoints, WebPointsRow } from './earning/webPoints.js';
import type { QuoteJourneySystems } from './journeys/quoteOnline.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { EstateLoaders, EstateReads } from './orders/estate.js';
import type { CrosswalkStore } from './store/crosswalkStore.js';
import type { CoherenceService } from './pricing/service.js';
import type { ContactService, CustomerContact } from './contact/service.js';
import type { Erasures } from './privacy/erasure.js';

export interface Context extends RequestIdentity {
  store: CrosswalkStore;
  loaders: Loaders;
  /** This request's loaders over the systems that own orders, made on first use. */
  estate(): EstateLoaders;
  /** The loyalty credit of web orders, by order number; null when web orders do not earn here. */
  webPoints: { job: WebPoints; rows: DataLoader<string, WebPointsRow | null> } | null;
  /** What the cross-system writes write to. */
  journeys: QuoteJourneySystems;
  /** Price coherence reports over the estate; null when the systems that price are not configured. */
  coherence: CoherenceService | null;
  /** Contact choices and their copies; null when neither the programme nor the web shop is configured. */
  contact: ContactService | null;
  /** This request's contact choices by customer, read once (null without `contact`). */
  contactLoader: DataLoader<string, CustomerContact> | null;
  /** Erasure requests fanned out to the systems; null when none is configured. */
  erasures: Erasures | null;
}

const NO_ESTATE: EstateLoaders = { ecommerce: null, pos: null, catalogue: null, loyalty: null };

/** What the crosswalk serves beside its store, shared by every request. */
export interface ContextParts {
  estate?: EstateReads;
  webPoints?: WebPoints;
  journeys?: QuoteJourneySystems;
  coherence?: CoherenceService;
  contact?: ContactService;
  erasures?: Erasures;
}

/** A request's context: fresh loaders over the shared store, and who acts (stewardship records them). */
export function createContext(store: CrosswalkStore, identity: RequestIdentity, { estate, webPoints, journeys, coherence, contact, erasures }: ContextParts = {}): Context {
  let loaders: EstateLoaders | undefined;
  return {
    ...identity,
    store,
    loaders: createLoaders(store),
    estate: () => (loaders ??= estate?.loaders() ?? NO_ESTATE),
    journeys: journeys ?? { ecommerce: null, marker: null, returns: null },
    coherence: coherence ?? null,
    contact: contact ?? null,
    contactLoader: contact
      ? new DataLoader(async (ids: readonly string[]) => {
          const found = await contact.contactOf(ids);
          return ids.map((id) => found.get(id)!);
        })
      : null,
    erasures: erasures ?? null,
    webPoints: webPoints
      ? {
          job: webPoints,
          rows: new DataLoader(async (numbers) => {
            const found = await webPoints.rows(numbers);
            return numbers.map((number) => found.get(number) ?? null);
          }),
        }
      : null,
  };
}
