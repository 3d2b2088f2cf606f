import { withCheckDigit } from '../../utilities/gtin.js';
import { toE164 } from '../../utilities/phone.js';
import type {
  CatalogueCampaign,
  ConsentChannel,
  ConsentRecord,
  EcomCartRule,
  EcomCustomer,
  EcomOrder,
  EcomOrderStatus,
  Estate,
  FranchiseCode,
  GroundTruth,
  LoyaltyCard,
  LoyaltyMember,
  MemberOffer,
  OppositionTruth,
  PersonTruth,
  PosClient,
  PriceIncoherenceCause,
  PriceIncoherenceTruth,
  PriceTruth,
  PosPrice,
  PosPromotion,
  PosQuote,
  PosReceipt,
  PosReceiptLine,
  PosReturn,
  PosStock,
  PointsMovement,
  Seller,
  Store,
} from './model.js';
import { generateFeedback } from './feedback.js';
import { asciiSlug, digits, generatePeople, type Person } from './people.js';
import { automaticRuleCovers, campaignCovers, farEnough, fixedPriceUnder, retailPriceAway, runsAt, sameChannels, storePromotionApplies } from './pricing.js';
import { daysBefore, generateProducts, productTruth, toDecimal, type Article } from './products.js';
import { Random } from './random.js';
import { CATEGORIES, EMAIL_PROVIDERS, FIRST_NAMES, FRANCHISES } from './vocabulary.js';

/** How much data to make. */
export interface ScaleSpec {
  people: number;
  products: number;
  /** Mean number of till visits per person who shops in stores. */
  visitsPerShopper: number;
  /**
   * People generated at once: a larger estate is made cohort after cohort (legacy/generator/cohorts.ts),
   * each with the same habits, the same catalogue and stores, numbers that carry on from the
   * cohort before and values unique across all, so that memory follows the cohort, not the estate.
   */
  cohortPeople?: number;
}

export const SCALES = {
  tiny: { people: 200, products: 120, visitsPerShopper: 3 },
  demo: { people: 3_000, products: 800, visitsPerShopper: 4 },
  bench: { people: 100_000, products: 10_000, visitsPerShopper: 5.5 },
  /** Ten times the bench with the same habits (and the same catalogue): where the crosswalk must not hold the estate. */
  national: { people: 1_000_000, products: 10_000, visitsPerShopper: 5.5, cohortPeople: 100_000 },
} as const satisfies Record<string, ScaleSpec>;

export type ScaleName = keyof typeof SCALES;

export interface GenerateOptions {
  seed?: string | number;
  scale?: ScaleName | ScaleSpec;
  /** The generator's "now": every date is before it, every offer and campaign is current around it. */
  asOf?: string;
}

/**
 * Where one cohort of a large estate starts: the numbers the cohorts before it used, and the
 * values they took (emails, phone numbers, card numbers stay unique across the estate). The
 * first cohort, and a whole estate made at once, start from {@link firstCohort}.
 */
export interface Cohort {
  index: number;
  next: {
    person: number;
    household: number;
    webCustomer: number;
    address: number;
    member: number;
    order: number;
    movement: number;
    /** OUE's customer table. */
    client: number;
    review: number;
    serviceContact: number;
    /** Per store: the last receipt, quote and return number used. */
    receipt: Map<string, number>;
    quote: Map<string, number>;
    return: Map<string, number>;
  };
  taken: { emails: Set<string>; phones: Set<string>; cards: Set<string> };
}

export function firstCohort(): Cohort {
  return {
    index: 0,
    next: {
      person: 1,
      household: 1,
      webCustomer: 10_001,
      address: 1,
      member: 100_001,
      order: 0,
      movement: 1,
      client: 1,
      review: 1,
      serviceContact: 1,
      receipt: new Map(),
      quote: new Map(),
      return: new Map(),
    },
    taken: { emails: new Set(), phones: new Set(), cards: new Set() },
  };
}

/** The mess the generator put in, counted as it was made; tests recount it from the data. */
export interface MessStats {
  emailsWithCaseOrSpaces: number;
  phoneFormats: Record<PhoneFormat, number>;
  duplicateWebAccounts: number;
  duplicateWebAccountsSameEmail: number;
  sharedLandlineHouseholds: number;
  anonymousReceipts: number;
  identifiedReceipts: number;
  receiptLines: number;
  franchiseOnlyProducts: number;
  webOnlyProducts: number;
  webSkusWithoutEan: number;
  productsNamedDifferentlyOnWeb: number;
  replacedCards: number;
  namesTypedWithoutAccents: number;
  /** Web orders delivered to someone outside the account holder's household. */
  giftOrders: number;
}

export interface Generated {
  seed: string;
  scale: string;
  asOf: string;
  estate: Estate;
  truth: GroundTruth;
  stats: MessStats;
}

export const DEFAULT_SEED = 'crosscanal';
export const DEFAULT_AS_OF = '2026-11-01T00:00:00.000Z';

export type PhoneFormat = 'spaced' | 'dotted' | 'compact' | 'international';

/** Writes an E.164 French number the way people key it. */
export function formatPhone(e164: string, format: PhoneFormat): string {
  const national = `0${e164.slice(3)}`;
  switch (format) {
    case 'spaced':
      return national.replace(/(\d{2})(?=\d)/g, '$1 ');
    case 'dotted':
      return national.replace(/(\d{2})(?=\d)/g, '$1.');
    case 'compact':
      return national;
    case 'international':
      return `+33 ${e164[3]} ${e164.slice(4).replace(/(\d{2})(?=\d)/g, '$1 ')}`;
  }
}

/**
 * Generates the whole legacy estate and its ground truth, deterministically from the seed:
 * the same options always give the same data.
 */
export function generateEstate(options: GenerateOptions = {}): Generated {
  const seed = String(options.seed ?? DEFAULT_SEED);
  const scaleName = typeof options.scale === 'string' ? options.scale : options.scale ? 'custom' : 'demo';
  const spec: ScaleSpec = typeof options.scale === 'object' ? options.scale : SCALES[options.scale ?? 'demo'];
  const asOf = new Date(options.asOf ?? DEFAULT_AS_OF);
  if (Number.isNaN(asOf.getTime())) throw new Error(`asOf must be an ISO 8601 date, got ${JSON.stringify(options.asOf)}`);
  if (!(spec.people > 0 && spec.products > 0 && spec.visitsPerShopper > 0)) {
    throw new Error(`scale needs people, products and visitsPerShopper above 0, got ${JSON.stringify(spec)}`);
  }
  return new EstateBuilder(seed, scaleName, spec, asOf, firstCohort()).build();
}

/**
 * One cohort of a large estate: `spec.people` people generated with the cohort's own draws
 * (the first cohort's are those of an estate made at once) over the catalogue, stores and
 * prices every cohort shares. Moves `cohort` on to where the next one starts.
 */
export function generateCohort(seed: string, scaleName: string, spec: ScaleSpec, asOf: Date, cohort: Cohort): Generated {
  const builder = new EstateBuilder(seed, scaleName, spec, asOf, cohort);
  const generated = builder.build();
  const { ecommerce, loyalty, pos } = generated.estate;
  const next = cohort.next;
  next.person += spec.people;
  next.household += builder.households;
  next.webCustomer += ecommerce.customers.length;
  next.address += ecommerce.addresses.length;
  next.member += loyalty.members.length;
  next.order += ecommerce.orders.length;
  next.movement += loyalty.movements.length;
  next.client += pos.clients.length;
  next.review += ecommerce.reviews?.length ?? 0;
  next.serviceContact += ecommerce.serviceContacts?.length ?? 0;
  const last = (map: Map<string, number>, numbers: { store_code: string; no: string }[]) => {
    for (const { store_code, no } of numbers) map.set(store_code, Math.max(map.get(store_code) ?? 0, Number(no.slice(no.lastIndexOf('-') + 1))));
  };
  last(next.receipt, pos.receipts.map((r) => ({ store_code: r.store_code, no: r.receipt_no })));
  last(next.quote, pos.quotes.map((q) => ({ store_code: q.store_code, no: q.quote_no })));
  last(next.return, pos.returns.map((r) => ({ store_code: r.store_code, no: r.return_no })));
  cohort.index += 1;
  return generated;
}

interface Identity {
  person: Person;
  customerIds: number[];
  memberId: string | null;
  cards: LoyaltyCard[];
}

class EstateBuilder {
  private readonly root: Random;
  private readonly stats: MessStats = {
    emailsWithCaseOrSpaces: 0,
    phoneFormats: { spaced: 0, dotted: 0, compact: 0, international: 0 },
    duplicateWebAccounts: 0,
    duplicateWebAccountsSameEmail: 0,
    sharedLandlineHouseholds: 0,
    anonymousReceipts: 0,
    identifiedReceipts: 0,
    receiptLines: 0,
    franchiseOnlyProducts: 0,
    webOnlyProducts: 0,
    webSkusWithoutEan: 0,
    productsNamedDifferentlyOnWeb: 0,
    replacedCards: 0,
    namesTypedWithoutAccents: 0,
    giftOrders: 0,
  };
  private readonly estate: Estate = {
    ecommerce: { customers: [], addresses: [], orders: [], products: [], cartRules: [] },
    loyalty: { members: [], cards: [], movements: [], consents: [], offers: [] },
    pos: { franchises: [], stores: [], sellers: [], clients: [], receipts: [], returns: [], quotes: [], stock: [], prices: [], promotions: [] },
    catalogue: { products: [], campaigns: [] },
    opposition: { bloctel: '' },
  };
  private readonly truth = new Map<string, PersonTruth>();
  private readonly identities = new Map<string, Identity>();
  private people: Person[] = [];
  private articles: Article[] = [];
  /** Articles each franchise sells, and the store prices in force per store and article. */
  private readonly assortment = new Map<FranchiseCode, Article[]>();
  private readonly storePrice = new Map<string, number>();
  /** The national campaigns and web cart rules, decided before the prices so that the prices are planted around them. */
  private campaigns: CatalogueCampaign[] = [];
  private cartRules: EcomCartRule[] = [];
  /** Draws the price causes the generator plants, apart from every other draw. */
  private readonly priceRandom: Random;
  /** Articles a price cause is planted on (or a fixed-price campaign covers): no second cause goes on them. */
  private readonly planted = new Set<string>();
  /** Base prices planted away from list: `WEB|<article id>` or `<store code>|<article id>`. */
  private readonly basePriceCauses = new Map<string, PriceIncoherenceCause>();
  private readonly emailsTaken: Set<string>;

  constructor(
    private readonly seed: string,
    private readonly scaleName: string,
    private readonly spec: ScaleSpec,
    private readonly asOf: Date,
    private readonly cohort: Cohort,
  ) {
    this.root = new Random(seed);
    this.priceRandom = this.root.fork('prices');
    // The catalogue, stores and prices come from the seed alone, the same in every cohort; the
    // people and what they do from the cohort's own draws (the first cohort's are the seed's).
    this.people$ = cohort.index === 0 ? this.root : this.root.fork(`cohort ${cohort.index}`);
    this.emailsTaken = cohort.taken.emails;
  }

  /** The draws of this cohort's people and of what they do. */
  private readonly people$: Random;
  /** Households made, once built. */
  households = 0;

  build(): Generated {
    const { people, households } = generatePeople(this.people$.fork('people'), this.spec.people, {
      firstPerson: this.cohort.next.person,
      firstHousehold: this.cohort.next.household,
      emails: this.cohort.taken.emails,
      phones: this.cohort.taken.phones,
    });
    this.people = people;
    this.households = households.length;
    for (const person of people) {
      this.emailsTaken.add(person.email);
      this.truth.set(person.id, { personId: person.id, householdId: person.household.id, records: [], receipts: [] });
      this.identities.set(person.id, { person, customerIds: [], memberId: null, cards: [] });
    }
    this.articles = generateProducts(this.root.fork('products'), { count: this.spec.products, asOf: this.asOf });
    this.catalogueAndWebProducts();
    this.campaignsAndCartRules();
    this.storesAndAssortment();
    this.webAccounts();
    this.loyaltyMembers();
    this.storeVisits();
    this.webOrders();
    this.returnsOfWebOrders();
    this.loyaltyPointsAndTiers();
    this.consents();
    this.offersRulesAndCampaigns();

    for (const household of households) {
      const landline = household.landline;
      if (!landline || household.members.length < 2) continue;
      const holders = household.members.filter((m) => this.recordsPhone(m, landline));
      if (holders.length >= 2) this.stats.sharedLandlineHouseholds += 1;
    }
    // Last, on a stream of its own: the list changes no other record.
    const opposition = this.oppositionList();
    // After it, on a stream of its own too: what customers said changes no record either.
    const feedback = generateFeedback(this.people$.fork('feedback'), this.estate, this.asOf, {
      firstReview: this.cohort.next.review,
      firstServiceContact: this.cohort.next.serviceContact,
    });
    this.estate.ecommerce.reviews = feedback.reviews;
    this.estate.ecommerce.serviceContacts = feedback.serviceContacts;
    this.estate.pos.ratings = feedback.ratings;

    return {
      seed: this.seed,
      scale: this.scaleName,
      asOf: this.asOf.toISOString(),
      estate: this.estate,
      truth: {
        seed: this.seed,
        scale: this.scaleName,
        persons: [...this.truth.values()].filter((t) => t.records.length > 0),
        products: this.articles.map(productTruth),
        prices: this.priceTruth(),
        opposition,
      },
      stats: this.stats,
    };
  }

  // ------------------------------------------------------------------ products

  private catalogueAndWebProducts(): void {
    for (const article of this.articles) {
      if (article.catalogue) this.estate.catalogue.products.push(article.catalogue);
      if (article.web) {
        this.estate.ecommerce.products.push(article.web);
        if (article.web.ean === null) this.stats.webSkusWithoutEan += 1;
        if (article.catalogue && article.web.title !== article.catalogue.name.fr) this.stats.productsNamedDifferentlyOnWeb += 1;
      }
      if (article.onlyIn) this.stats.franchiseOnlyProducts += 1;
      if (!article.catalogue && article.web) this.stats.webOnlyProducts += 1;
    }
  }

  private storesAndAssortment(): void {
    const random = this.root.fork('stores');
    const { pos } = this.estate;
    for (const seed of FRANCHISES) {
      pos.franchises.push({ code: seed.code, name: seed.name, schema: seed.schema });
      seed.stores.forEach((s, i) => {
        const store: Store = {
          code: `${seed.code}${String(i + 1).padStart(2, '0')}`,
          franchise: seed.code,
          name: s.name,
          city: s.city,
          postcode: s.postcode,
          country: 'FR',
          click_and_collect: s.clickAndCollect,
          latitude: s.lat,
          longitude: s.lon,
        };
        pos.stores.push(store);
        const sellerCount = random.int(3, 6);
        for (let n = 1; n <= sellerCount; n++) {
          const seller: Seller = { code: `${store.code}-V${n}`, store_code: store.code, name: `${random.pick(FIRST_NAMES)} ${random.pick(['A.', 'B.', 'C.', 'D.', 'L.', 'M.', 'R.'])}` };
          pos.sellers.push(seller);
        }
      });
      const range = this.articles.filter(
        (a) => a.onlyIn === seed.code || (a.catalogue !== null && (a.posCodes.some((p) => p.franchise === seed.code) || random.chance(0.6))),
      );
      this.assortment.set(seed.code, range);
    }

    // Every store price is the list price (a franchise-only article's is the same in each store
    // of its franchise); the deviations are planted below, each written in the ground truth.
    // The draws that once varied the prices are kept, so that the rest of the estate stays as it was.
    const stocked = new Set<string>();
    const undated = new Map<string, PosPrice>();
    const markdowns: { store: Store; article: Article; row: PosPrice }[] = [];
    for (const store of pos.stores) {
      for (const article of this.assortment.get(store.franchise)!) {
        const code = this.tillCode(article, store.franchise);
        const at = `${store.code}|${article.id}`;
        if (random.chance(0.85)) {
          const stock: PosStock = {
            store_code: store.code,
            ...code,
            quantity: random.chance(0.1) ? 0 : random.int(1, 40),
            updated_at: daysBefore(this.asOf, random.int(0, 20), random),
          };
          pos.stock.push(stock);
          stocked.add(at);
        }
        if (random.chance(0.2) || article.onlyIn) {
          if (!article.onlyIn) random.next();
          const row: PosPrice = { store_code: store.code, ...code, price_cents: article.listCents, valid_from: daysBefore(this.asOf, random.int(30, 400), random), valid_to: null };
          pos.prices.push(row);
          undated.set(at, row);
        }
        if (random.chance(0.03)) {
          // A dated markdown: starts shortly before or after the generator's "now".
          const from = new Date(this.asOf.getTime() + random.int(-10, 10) * 86_400_000);
          const row: PosPrice = {
            store_code: store.code,
            ...code,
            price_cents: retailPriceAway(article.listCents, -1, 0.25),
            valid_from: from.toISOString(),
            valid_to: new Date(from.getTime() + random.int(7, 30) * 86_400_000).toISOString(),
          };
          pos.prices.push(row);
          markdowns.push({ store, article, row });
        }
      }
    }

    const plan = this.priceRandom;
    const dropped = new Set<PosPrice>();
    const atMs = this.asOf.getTime();
    const storesOf = (franchise: FranchiseCode) => pos.stores.filter((s) => s.franchise === franchise);

    // MISSING_PRICE (b): a few clean catalogue products the PIM has no list price for, sold on
    // the web and stocked in a store that has no price for them.
    const unlisted = this.articles.filter(
      (a) => a.catalogue !== null && a.web?.active === true && this.isClean(a) && pos.stores.some((s) => stocked.has(`${s.code}|${a.id}`) && !undated.has(`${s.code}|${a.id}`)),
    );
    for (let n = 0; n < this.plantCount(300, 1) && unlisted.length > 0; n++) {
      const article = take(plan, unlisted);
      article.catalogue!.list_price = null;
      this.planted.add(article.id);
    }

    // Markdowns stay on clean catalogue articles only (their own cause, STORE_PRICE_BELOW_LIST, while
    // they run); elsewhere they would meet a campaign or another planted cause.
    const markedDown = new Set<Article>();
    for (const { store, article, row } of markdowns) {
      if (article.catalogue?.list_price && this.isClean(article)) {
        markedDown.add(article);
        if (runsAt(row.valid_from, row.valid_to, atMs)) this.basePriceCauses.set(`${store.code}|${article.id}`, 'STORE_PRICE_BELOW_LIST');
      } else {
        dropped.add(row);
      }
    }
    for (const article of markedDown) this.planted.add(article.id);

    // Store promotions, on clean articles: a PERCENT or AMOUNT one running now is the cause
    // STORE_PROMOTION wherever it runs; an amount off takes at least 3 % of the price, and less
    // than the price. A MULTIBUY does not change the price of one item.
    for (const seed of FRANCHISES) {
      const withEan = this.assortment.get(seed.code)!.filter((a) => a.ean && !a.posCodes.some((p) => p.franchise === seed.code) && this.isClean(a));
      const stores = storesOf(seed.code);
      const promoted = new Set<Article>();
      for (let n = 1; n <= 4; n++) {
        const kind = random.pick(['PERCENT', 'AMOUNT', 'MULTIBUY'] as const);
        const start = new Date(this.asOf.getTime() + random.int(-40, 5) * 86_400_000);
        const storeCode = random.chance(0.4) ? random.pick(stores).code : null;
        const value = kind === 'PERCENT' ? random.pick([10, 15, 20, 30]) : kind === 'AMOUNT' ? random.pick([500, 1000, 1500]) : 3;
        const eligible = kind === 'AMOUNT' ? withEan.filter((a) => a.listCents > value && farEnough(a.listCents - value, a.listCents)) : withEan;
        const picked = Array.from({ length: Math.min(eligible.length, random.int(3, 12)) }, () => random.pick(eligible));
        for (const article of picked) promoted.add(article);
        const promotion: PosPromotion = {
          franchise: seed.code,
          promo_id: `${seed.code}-PR${String(n).padStart(3, '0')}`,
          store_code: storeCode,
          label: kind === 'MULTIBUY' ? '3 pour 2' : kind === 'PERCENT' ? 'Remise magasin' : 'Bon plan',
          kind,
          value,
          eans: picked.map((a) => a.ean!).filter((e, i, all) => all.indexOf(e) === i),
          starts_at: start.toISOString(),
          ends_at: new Date(start.getTime() + random.int(20, 90) * 86_400_000).toISOString(),
        };
        pos.promotions.push(promotion);
      }
      for (const article of promoted) this.planted.add(article.id);
    }

    // Base prices away from list: a store's own price above or below it, the web's above or
    // below it, each on a clean catalogue article, at one place.
    const ranges = FRANCHISES.map((f) => ({ franchise: f.code, articles: new Set(this.assortment.get(f.code)) }));
    const sellers = (article: Article) => ranges.filter((r) => r.articles.has(article)).map((r) => r.franchise);
    const inStores = this.articles.filter((a) => a.catalogue?.list_price && !a.onlyIn && this.isClean(a) && sellers(a).length > 0);
    for (const [cause, direction] of [['STORE_PRICE_ABOVE_LIST', 1], ['STORE_PRICE_BELOW_LIST', -1]] as const) {
      for (let n = 0; n < this.plantCount(130, 2); n++) {
        const candidates = inStores.filter((a) => this.isClean(a));
        if (candidates.length === 0) break;
        const article = plan.pick(candidates);
        const store = plan.pick(storesOf(plan.pick(sellers(article))));
        const cents = retailPriceAway(article.listCents, direction, 0.05 + plan.next() * 0.1);
        const at = `${store.code}|${article.id}`;
        const row = undated.get(at);
        if (row) row.price_cents = cents;
        else {
          const added: PosPrice = { store_code: store.code, ...this.tillCode(article, store.franchise), price_cents: cents, valid_from: daysBefore(this.asOf, plan.int(30, 400), plan), valid_to: null };
          pos.prices.push(added);
          undated.set(at, added);
        }
        this.planted.add(article.id);
        this.basePriceCauses.set(at, cause);
      }
    }
    const onWeb = (a: Article) => a.web?.active === true && a.catalogue?.list_price != null;
    for (const [cause, direction] of [['WEB_PRICE_ABOVE_LIST', 1], ['WEB_PRICE_BELOW_LIST', -1]] as const) {
      for (let n = 0; n < this.plantCount(130, 2); n++) {
        const candidates = this.articles.filter((a) => onWeb(a) && this.isClean(a));
        if (candidates.length === 0) break;
        const article = plan.pick(candidates);
        article.web!.price = toDecimal(retailPriceAway(article.listCents, direction, 0.05 + plan.next() * 0.1));
        this.planted.add(article.id);
        this.basePriceCauses.set(`WEB|${article.id}`, cause);
      }
    }
    // Causes that add up: a jacket priced under list on the web, also in the web-only jackets campaign.
    const webJackets = this.articles.filter((a) => onWeb(a) && !this.planted.has(a.id) && this.campaigns.some((c) => sameChannels(c, ['WEB']) && runsAt(c.starts_at, c.ends_at, atMs) && campaignCovers(c, a.catalogue!)));
    for (let n = 0; n < this.plantCount(400, 1) && webJackets.length > 0; n++) {
      const article = take(plan, webJackets);
      article.web!.price = toDecimal(retailPriceAway(article.listCents, -1, 0.05 + plan.next() * 0.1));
      this.planted.add(article.id);
      this.basePriceCauses.set(`WEB|${article.id}`, 'WEB_PRICE_BELOW_LIST');
    }

    // MISSING_PRICE (a): a franchise-only article stocked in a store of its franchise that has no
    // price for it, while the franchise's other stores price it.
    const franchiseOnly = this.articles.filter((a) => a.onlyIn !== null && storesOf(a.onlyIn).length > 1 && storesOf(a.onlyIn).some((s) => stocked.has(`${s.code}|${a.id}`)));
    for (let n = 0; n < this.plantCount(300, 1) && franchiseOnly.length > 0; n++) {
      const article = take(plan, franchiseOnly);
      const store = plan.pick(storesOf(article.onlyIn!).filter((s) => stocked.has(`${s.code}|${article.id}`)));
      const at = `${store.code}|${article.id}`;
      dropped.add(undated.get(at)!);
      undated.delete(at);
      this.planted.add(article.id);
    }

    if (dropped.size > 0) pos.prices = pos.prices.filter((row) => !dropped.has(row));
    for (const [at, row] of undated) this.storePrice.set(at, row.price_cents);
  }

  /** How many of a kind of price cause to plant: one per `per` products, at least `least`. */
  private plantCount(per: number, least: number): number {
    return Math.max(least, Math.round(this.articles.length / per));
  }

  /**
   * Whether the article is clean: no catalogue campaign (any channel) or automatic web cart rule
   * covers it now, and no price cause is planted on it yet.
   */
  private isClean(article: Article): boolean {
    return !this.planted.has(article.id) && !this.promoted(article);
  }

  /** Whether a catalogue campaign or an automatic web cart rule running now covers the article (remembered per article). */
  private promoted(article: Article): boolean {
    let covered = this.promotedArticles.get(article.id);
    if (covered === undefined) {
      const atMs = this.asOf.getTime();
      covered =
        (article.catalogue !== null && this.campaigns.some((c) => runsAt(c.starts_at, c.ends_at, atMs) && campaignCovers(c, article.catalogue!))) ||
        (article.web !== null && this.cartRules.some((r) => automaticRuleCovers(r, article.web!.sku, atMs)));
      this.promotedArticles.set(article.id, covered);
    }
    return covered;
  }

  /** What {@link promoted} found, per article id; cleared whenever a campaign is added. */
  private readonly promotedArticles = new Map<string, boolean>();

  /** What a franchise's till records for an article: its local code where it has one, the EAN otherwise. */
  private tillCode(article: Article, franchise: FranchiseCode): { ean: string | null; local_code: string | null } {
    const local = article.posCodes.find((p) => p.franchise === franchise);
    return local ? { ean: null, local_code: local.code } : { ean: article.ean, local_code: null };
  }

  // ------------------------------------------------------------------ web accounts

  private webAccounts(): void {
    const random = this.people$.fork('web');
    const drafts: { person: Person; customer: Omit<EcomCustomer, 'id'> }[] = [];
    for (const person of this.people) {
      if (!random.chance(0.62)) continue;
      const created = daysBefore(this.asOf, random.int(30, 1500), random);
      const phone = this.webPhone(random, person);
      drafts.push({ person, customer: this.webCustomer(random, person, this.messyEmail(random, person.email), phone, created) });
      if (random.chance(0.045)) {
        // The site compared emails case-sensitively for years: the same address typed
        // differently opened a second account. Others signed up again with a new address,
        // and can only be tied by their phone.
        const sameEmail = person.mobile === null || random.chance(0.6);
        const email = sameEmail ? this.differentlyTyped(random, person.email) : this.otherEmail(random, person);
        const again = daysBefore(this.asOf, random.int(0, 700), random);
        const phoneAgain = sameEmail ? this.webPhone(random, person) : formatPhone(person.mobile!, random.pick(['spaced', 'compact', 'international'] as const));
        drafts.push({ person, customer: this.webCustomer(random, person, email, phoneAgain, again) });
        this.stats.duplicateWebAccounts += 1;
        if (sameEmail) this.stats.duplicateWebAccountsSameEmail += 1;
      }
    }
    drafts.sort((a, b) => a.customer.created_at.localeCompare(b.customer.created_at));
    const { customers, addresses } = this.estate.ecommerce;
    drafts.forEach(({ person, customer }, index) => {
      const id = this.cohort.next.webCustomer + index;
      customers.push({ id, ...customer });
      this.identities.get(person.id)!.customerIds.push(id);
      this.truth.get(person.id)!.records.push({ system: 'ecommerce', id });
      const household = person.household;
      addresses.push({ id: this.cohort.next.address + addresses.length, customer_id: id, kind: 'billing', line1: household.street, line2: null, postcode: household.postcode, city: household.city, country: 'FR' });
      if (random.chance(0.3)) {
        addresses.push({ id: this.cohort.next.address + addresses.length, customer_id: id, kind: 'shipping', line1: `${random.int(1, 60)} rue du Commerce`, line2: random.chance(0.5) ? 'Bâtiment B' : null, postcode: household.postcode, city: household.city, country: 'FR' });
      }
    });
  }

  private webCustomer(random: Random, person: Person, email: string, phone: string | null, created: string): Omit<EcomCustomer, 'id'> {
    const optIn = random.chance(0.4);
    return {
      email,
      first_name: this.typedFirstName(random, person.firstName),
      last_name: person.lastName,
      phone,
      newsletter_opt_in: optIn,
      newsletter_opt_in_at: optIn ? created : null,
      created_at: created,
      updated_at: laterThan(created, this.asOf, random),
    };
  }

  /**
   * The phone on a web account: the checkout asks for one for the carrier, so most accounts
   * have it, and it is the mobile the delivery texts go to; the household's landline only
   * for those without a mobile, and now and then from habit.
   */
  private webPhone(random: Random, person: Person): string | null {
    if (!random.chance(0.985)) return null;
    const landline = person.household.landline;
    const e164 = landline && (person.mobile === null || random.chance(0.02)) ? landline : person.mobile;
    return e164 ? this.keyedPhone(random, e164, ['spaced', 'dotted', 'compact', 'international']) : null;
  }

  /**
   * Who the checkout names as recipient: the account holder, now and then another member of
   * the household, and for a gift someone else entirely, with that person's own phone. The
   * carrier texts a mobile, so the recipient's mobile is given when there is one.
   */
  private deliveryContact(random: Random, holder: Person): EcomOrder['delivery'] {
    const roll = random.next();
    let recipient = holder;
    if (roll < 0.03 && this.people.length > holder.household.members.length) {
      do recipient = random.pick(this.people);
      while (recipient.household === holder.household);
      this.stats.giftOrders += 1;
    } else if (roll < 0.07 && holder.household.members.length > 1) {
      const others = holder.household.members.filter((m) => m !== holder);
      recipient = random.pick(others);
    }
    const e164 = recipient.mobile ?? recipient.household.landline;
    return {
      first_name: this.typedFirstName(random, recipient.firstName),
      last_name: recipient.lastName,
      phone: e164 && random.chance(0.97) ? this.keyedPhone(random, e164, ['spaced', 'dotted', 'compact', 'international']) : null,
    };
  }

  private keyedPhone(random: Random, e164: string, formats: readonly PhoneFormat[]): string {
    const format = random.pick(formats);
    this.stats.phoneFormats[format] += 1;
    return formatPhone(e164, format);
  }

  private messyEmail(random: Random, email: string): string {
    const roll = random.next();
    const messy =
      roll < 0.1 ? capitaliseParts(email) : roll < 0.13 ? email.toUpperCase() : roll < 0.17 ? (random.chance(0.5) ? ` ${email}` : `${email} `) : email;
    if (messy !== email) this.stats.emailsWithCaseOrSpaces += 1;
    return messy;
  }

  private differentlyTyped(random: Random, email: string): string {
    this.stats.emailsWithCaseOrSpaces += 1;
    return random.pick([capitaliseParts(email), email.toUpperCase(), `${email} `, ` ${capitaliseParts(email)}`]);
  }

  private otherEmail(random: Random, person: Person): string {
    const local = `${asciiSlug(person.firstName)}${asciiSlug(person.lastName)}${random.int(1, 999)}`;
    let email = `${local}@${random.pick(EMAIL_PROVIDERS)}`;
    while (this.emailsTaken.has(email)) email = `${local}${random.int(1, 9)}@${random.pick(EMAIL_PROVIDERS)}`;
    this.emailsTaken.add(email);
    return email;
  }

  private typedFirstName(random: Random, name: string): string {
    if (name.normalize('NFD') === name || !random.chance(0.3)) return name;
    this.stats.namesTypedWithoutAccents += 1;
    return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }

  // ------------------------------------------------------------------ loyalty

  private loyaltyMembers(): void {
    const random = this.people$.fork('loyalty');
    const cardNumbers = this.cohort.taken.cards;
    const newCard = (): string => {
      let card: string;
      do card = withCheckDigit(`29${digits(random, 10)}`);
      while (cardNumbers.has(card));
      cardNumbers.add(card);
      return card;
    };
    const drafts: { person: Person; member: Omit<LoyaltyMember, 'member_id'> }[] = [];
    const landlineFamilies = new Map<string, boolean>();
    for (const person of this.people) {
      const hasWeb = this.identities.get(person.id)!.customerIds.length > 0;
      if (!random.chance(hasWeb ? 0.45 : 0.55)) continue;
      const enrolled = daysBefore(this.asOf, random.int(60, 2500), random);
      const landline = person.household.landline;
      // The form's first phone: some families give their landline for everyone they enrol
      // (one number, several members), others their own mobile. The mobile field, for the
      // offers sent by text, is filled for most.
      let familyLine = landline !== null && landlineFamilies.get(person.household.id);
      if (landline !== null && familyLine === undefined) {
        familyLine = person.household.members.length > 1 && random.chance(0.4);
        landlineFamilies.set(person.household.id, familyLine);
      }
      const phoneE164 = !random.chance(0.92) ? null : landline && (familyLine || person.mobile === null || random.chance(0.1)) ? landline : person.mobile;
      const mobileE164 = person.mobile !== null && random.chance(0.85) ? person.mobile : null;
      const sizes = {
        shoe: random.chance(0.6) ? String(random.int(36, 46)) : null,
        top: random.chance(0.6) ? random.pick(['S', 'M', 'L', 'XL']) : null,
        bottom: random.chance(0.5) ? random.pick(['36', '38', '40', '42', '44']) : null,
      };
      drafts.push({
        person,
        member: {
          first_name: this.typedFirstName(random, person.firstName),
          // Staff key surnames in capitals at the desk, about a third of the time.
          last_name: random.chance(0.33) ? person.lastName.toUpperCase() : person.lastName,
          email: random.chance(0.93) ? (random.chance(0.05) ? this.messyEmail(random, person.email) : person.email) : null,
          phone: phoneE164 ? this.keyedPhone(random, phoneE164, ['spaced', 'dotted', 'compact']) : null,
          mobile: mobileE164 ? this.keyedPhone(random, mobileE164, ['spaced', 'dotted', 'compact']) : null,
          birth_date: random.chance(0.7) ? person.birthDate : null,
          postcode: person.household.postcode,
          tier: 'BRONZE',
          points_balance: 0,
          home_store_code: `${person.household.franchise.code}${String(person.household.storeIndex + 1).padStart(2, '0')}`,
          enrolled_at: enrolled,
          updated_at: laterThan(enrolled, this.asOf, random),
          sizes,
        },
      });
    }
    drafts.sort((a, b) => a.member.enrolled_at.localeCompare(b.member.enrolled_at));
    const { members, cards } = this.estate.loyalty;
    drafts.forEach(({ person, member }, index) => {
      const memberId = `M${String(this.cohort.next.member + index).padStart(8, '0')}`;
      members.push({ member_id: memberId, ...member });
      const identity = this.identities.get(person.id)!;
      identity.memberId = memberId;
      this.truth.get(person.id)!.records.push({ system: 'loyalty', id: memberId });
      const replaced = random.chance(0.08);
      const lost = !replaced && random.chance(0.01);
      if (replaced || lost) {
        cards.push({ card_number: newCard(), member_id: memberId, status: replaced ? 'REPLACED' : 'LOST', issued_at: member.enrolled_at });
        if (replaced) this.stats.replacedCards += 1;
        cards.push({ card_number: newCard(), member_id: memberId, status: 'ACTIVE', issued_at: laterThan(member.enrolled_at, this.asOf, random) });
      } else {
        cards.push({ card_number: newCard(), member_id: memberId, status: 'ACTIVE', issued_at: member.enrolled_at });
      }
      identity.cards = cards.slice(replaced || lost ? -2 : -1);
    });
  }

  // ------------------------------------------------------------------ stores: receipts, quotes, returns

  private storeVisits(): void {
    const random = this.people$.fork('visits');
    const { pos } = this.estate;
    const storesOf = new Map<FranchiseCode, Store[]>();
    for (const store of pos.stores) storesOf.set(store.franchise, [...(storesOf.get(store.franchise) ?? []), store]);
    const sellersOf = new Map<string, Seller[]>();
    for (const seller of pos.sellers) sellersOf.set(seller.store_code, [...(sellersOf.get(seller.store_code) ?? []), seller]);
    const clients = new Map<string, PosClient>();
    const phoneRecords = new Set<string>();
    const receipts: (PosReceipt & { person: Person | null })[] = [];
    const quotes: (PosQuote & { person: Person })[] = [];

    for (const person of this.people) {
      const identity = this.identities.get(person.id)!;
      if (!random.chance(identity.memberId ? 0.85 : 0.5)) continue;
      const visits = Math.max(1, Math.round(this.spec.visitsPerShopper * (0.2 + random.next() * 1.6)));
      const ownFranchise = person.household.franchise.code;
      for (let v = 0; v < visits; v++) {
        const franchise = random.chance(0.92) ? ownFranchise : random.pick(FRANCHISES).code;
        const stores = storesOf.get(franchise)!;
        const store = franchise === ownFranchise && random.chance(0.7) ? stores[person.household.storeIndex]! : random.pick(stores);
        const soldAt = daysBefore(this.asOf, random.int(0, 730), random);

        let card: string | null = null;
        let tillPhone: string | null = null;
        if (identity.memberId && random.chance(0.85)) {
          card = cardInUse(identity.cards, soldAt);
        } else if (random.chance(identity.memberId ? 0.3 : 0.35)) {
          // "Your phone number?": the mobile, unless there is none; a head of household
          // gives the family's landline now and then.
          tillPhone = person.isHead && person.household.landline && (person.mobile === null || random.chance(0.03)) ? person.household.landline : person.mobile;
        }

        let clientId: number | null = null;
        let phoneAsKeyed: string | null = null;
        if (tillPhone) {
          const keyed = this.keyedPhone(random, tillPhone, ['compact', 'spaced']);
          if (franchise === 'OUE') {
            const key = `${franchise}|${tillPhone}`;
            let client = clients.get(key);
            if (!client) {
              client = { franchise, client_id: this.cohort.next.client + clients.size, phone: keyed, name: random.chance(0.8) ? person.lastName.toUpperCase() : null };
              clients.set(key, client);
              this.truth.get(person.id)!.records.push({ system: 'pos', franchise, clientId: client.client_id });
            }
            clientId = client.client_id;
          } else {
            phoneAsKeyed = keyed;
            const key = `${franchise}|${tillPhone}`;
            if (!phoneRecords.has(key)) {
              phoneRecords.add(key);
              this.truth.get(person.id)!.records.push({ system: 'pos-phone', franchise, phone: tillPhone });
            }
          }
        }

        const lines = this.basket(random, store, franchise);
        const identified = card !== null || tillPhone !== null;
        receipts.push({
          person: identified ? person : null,
          franchise,
          receipt_no: '',
          store_code: store.code,
          seller_code: random.pick(sellersOf.get(store.code)!).code,
          sold_at: soldAt,
          card_number: card,
          phone: phoneAsKeyed,
          client_id: clientId,
          currency: 'EUR',
          total_cents: lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents - l.discount_cents, 0),
          lines,
        });

        if (identified && random.chance(0.03)) {
          const created = new Date(Date.parse(soldAt) - random.int(1, 20) * 86_400_000);
          const validUntil = new Date(created.getTime() + 30 * 86_400_000);
          const open = validUntil > this.asOf;
          const hasWeb = identity.customerIds.length > 0;
          quotes.push({
            person,
            franchise,
            quote_no: '',
            store_code: store.code,
            seller_code: random.pick(sellersOf.get(store.code)!).code,
            created_at: created.toISOString(),
            valid_until: validUntil.toISOString(),
            status: open ? 'OPEN' : random.weighted([['CONVERTED_IN_STORE', 4], ['CONVERTED_ONLINE', hasWeb ? 3 : 0], ['EXPIRED', 3]] as const),
            // Set once the web order that finished it has its number (webOrders).
            web_order_number: null,
            card_number: card,
            phone: franchise === 'OUE' ? null : phoneAsKeyed,
            lines: lines.map((l) => ({ ean: l.ean, local_code: l.local_code, quantity: l.quantity, unit_price_cents: l.unit_price_cents })),
          });
        }
      }
    }

    // Anonymous walk-in shoppers who are in no other system.
    const walkIns = Math.round(receipts.length * 0.12);
    for (let i = 0; i < walkIns; i++) {
      const store = random.pick(pos.stores);
      const lines = this.basket(random, store, store.franchise);
      receipts.push({
        person: null, franchise: store.franchise, receipt_no: '', store_code: store.code,
        seller_code: random.pick(sellersOf.get(store.code)!).code, sold_at: daysBefore(this.asOf, random.int(0, 730), random),
        card_number: null, phone: null, client_id: null, currency: 'EUR',
        total_cents: lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents - l.discount_cents, 0), lines,
      });
    }

    receipts.sort((a, b) => a.sold_at.localeCompare(b.sold_at) || a.store_code.localeCompare(b.store_code));
    const receiptSeq = new Map(this.cohort.next.receipt);
    for (const receipt of receipts) {
      const seq = (receiptSeq.get(receipt.store_code) ?? 0) + 1;
      receiptSeq.set(receipt.store_code, seq);
      receipt.receipt_no = `${receipt.store_code}-${String(seq).padStart(7, '0')}`;
      const { person, ...stored } = receipt;
      pos.receipts.push(stored);
      this.stats.receiptLines += stored.lines.length;
      if (person) {
        this.stats.identifiedReceipts += 1;
        this.truth.get(person.id)!.receipts.push({ franchise: stored.franchise, receiptNo: stored.receipt_no });
      } else {
        this.stats.anonymousReceipts += 1;
      }
    }
    pos.clients.push(...[...clients.values()].sort((a, b) => a.client_id - b.client_id));

    quotes.sort((a, b) => a.created_at.localeCompare(b.created_at));
    const quoteSeq = new Map(this.cohort.next.quote);
    for (const quote of quotes) {
      const seq = (quoteSeq.get(quote.store_code) ?? 0) + 1;
      quoteSeq.set(quote.store_code, seq);
      quote.quote_no = `Q-${quote.store_code}-${String(seq).padStart(6, '0')}`;
      const { person, ...stored } = quote;
      pos.quotes.push(stored);
      if (stored.status === 'CONVERTED_ONLINE') this.pendingQuoteOrders.push({ person, quote: stored });
    }

    this.storeReturns(random, sellersOf);
  }

  /** Quotes finished online; they become web orders carrying the quote number. */
  private readonly pendingQuoteOrders: { person: Person; quote: PosQuote }[] = [];

  private basket(random: Random, store: Store, franchise: FranchiseCode): PosReceiptLine[] {
    const range = this.assortment.get(franchise)!;
    const count = random.weighted([[1, 30], [2, 25], [3, 18], [4, 12], [5, 8], [6, 4], [8, 3]] as const);
    const lines: PosReceiptLine[] = [];
    for (let n = 1; n <= count; n++) {
      const article = random.pick(range);
      const unit = this.storePrice.get(`${store.code}|${article.id}`) ?? article.listCents;
      const quantity = random.chance(0.85) ? 1 : random.int(2, 3);
      lines.push({
        line_no: n,
        ...this.tillCode(article, franchise),
        label: article.tillLabel,
        quantity,
        unit_price_cents: unit,
        discount_cents: random.chance(0.1) ? Math.round((unit * quantity * random.pick([10, 15, 20])) / 100) : 0,
      });
    }
    return lines;
  }

  private storeReturns(random: Random, sellersOf: Map<string, Seller[]>): void {
    const { pos } = this.estate;
    const drafts: PosReturn[] = [];
    for (const receipt of pos.receipts) {
      if (!random.chance(0.04)) continue;
      const returnedAt = new Date(Date.parse(receipt.sold_at) + random.int(1, 30) * 86_400_000);
      if (returnedAt > this.asOf) continue;
      const sameStore = random.chance(0.8);
      const store = sameStore ? receipt.store_code : random.pick(pos.stores.filter((s) => s.franchise === receipt.franchise)).code;
      const returned = receipt.lines.filter((_, i) => i === 0 || random.chance(0.3));
      const lines = returned.map((l) => ({
        ean: l.ean,
        local_code: l.local_code,
        quantity: l.quantity,
        refund_cents: l.quantity * l.unit_price_cents - l.discount_cents,
        restock: random.chance(0.9),
      }));
      drafts.push({
        franchise: receipt.franchise, return_no: '', store_code: store, seller_code: random.pick(sellersOf.get(store)!).code,
        returned_at: returnedAt.toISOString(), receipt_no: receipt.receipt_no, web_order_number: null, card_number: receipt.card_number,
        refund_total_cents: lines.reduce((s, l) => s + l.refund_cents, 0), lines,
      });
    }
    pos.returns.push(...drafts);
  }

  // ------------------------------------------------------------------ web orders

  private webOrders(): void {
    const random = this.people$.fork('orders');
    const webArticles = this.articles.filter((a) => a.web?.active);
    const bySku = new Map(this.articles.filter((a) => a.web).map((a) => [a.web!.sku, a]));
    const ccStores = this.estate.pos.stores.filter((s) => s.click_and_collect);
    const drafts: Omit<EcomOrder, 'id' | 'number'>[] = [];
    const customers = new Map(this.estate.ecommerce.customers.map((c) => [c.id, c]));

    const makeOrder = (person: Person, customerId: number, placedAt: string, lines: EcomOrder['lines'], quoteNumber: string | null) => {
      const own = ccStores.filter((s) => s.franchise === person.household.franchise.code);
      const clickAndCollect = random.chance(0.18);
      const store = clickAndCollect ? random.pick(own.length > 0 ? own : ccStores) : null;
      const ageDays = (this.asOf.getTime() - Date.parse(placedAt)) / 86_400_000;
      const coupon = quoteNumber === null && random.chance(0.1) ? random.pick(['BIENVENUE10', 'NOEL2025', 'RUN15']) : null;
      if (coupon) for (const line of lines) line.discount = toDecimal(Math.round(toCents(line.unit_price) * line.quantity * 0.1));
      const status: EcomOrderStatus = random.chance(0.04)
        ? 'cancelled'
        : ageDays > 14
          ? clickAndCollect ? 'collected' : 'delivered'
          : ageDays > 3
            ? clickAndCollect ? 'ready_for_pickup' : 'shipped'
            : random.pick(['pending', 'paid'] as const);
      drafts.push({
        customer_id: customerId,
        placed_at: placedAt,
        updated_at: laterThan(placedAt, this.asOf, random),
        status,
        currency: 'EUR',
        fulfilment: { type: clickAndCollect ? 'click_and_collect' : 'home_delivery', store_code: store?.code ?? null },
        quote_number: quoteNumber,
        coupon_code: coupon,
        delivery: this.deliveryContact(random, person),
        lines,
        total: toDecimal(lines.reduce((sum, l) => sum + toCents(l.unit_price) * l.quantity - toCents(l.discount), 0)),
      });
    };

    for (const person of this.people) {
      const identity = this.identities.get(person.id)!;
      for (const customerId of identity.customerIds) {
        const created = Date.parse(customers.get(customerId)!.created_at);
        const count = random.weighted([[0, 25], [1, 30], [2, 20], [3, 12], [5, 8], [8, 5]] as const);
        for (let n = 0; n < count; n++) {
          const placedAt = new Date(created + random.next() * (this.asOf.getTime() - created)).toISOString();
          const lines = Array.from({ length: random.weighted([[1, 50], [2, 30], [3, 15], [4, 5]] as const) }, () => {
            const article = random.pick(webArticles);
            return { sku: article.web!.sku, quantity: random.chance(0.9) ? 1 : 2, unit_price: article.web!.price, discount: '0.00' };
          });
          makeOrder(person, customerId, placedAt, lines, null);
        }
      }
    }

    const webByEan = new Map(this.articles.filter((a) => a.web && a.ean).map((a) => [a.ean!, a]));
    for (const { person, quote } of this.pendingQuoteOrders) {
      const customerId = this.identities.get(person.id)!.customerIds[0];
      if (customerId === undefined) continue;
      const lines = quote.lines.flatMap((l) => {
        const article = l.ean ? webByEan.get(l.ean) : undefined;
        return article ? [{ sku: article.web!.sku, quantity: l.quantity, unit_price: toDecimal(l.unit_price_cents), discount: '0.00' }] : [];
      });
      if (lines.length === 0) continue;
      const placedAt = new Date(Date.parse(quote.created_at) + random.int(1, 5) * 86_400_000).toISOString();
      makeOrder(person, customerId, placedAt, lines, quote.quote_no);
    }

    drafts.sort((a, b) => a.placed_at.localeCompare(b.placed_at));
    const quotesFinishedOnline = new Map(this.pendingQuoteOrders.map(({ quote }) => [quote.quote_no, quote]));
    drafts.forEach((draft, index) => {
      const id = 500_001 + this.cohort.next.order + index;
      const order: EcomOrder = { id, number: `W${1_000_000 + this.cohort.next.order + index}`, ...draft };
      this.estate.ecommerce.orders.push(order);
      // The till records which web order finished the quote (no draw: the rest of the estate stays as it was).
      const quote = order.quote_number === null ? undefined : quotesFinishedOnline.get(order.quote_number);
      if (quote) quote.web_order_number = order.number;
    });
    this.skuIndex = bySku;
  }

  private skuIndex = new Map<string, Article>();

  private returnsOfWebOrders(): void {
    const random = this.people$.fork('web-returns');
    const { pos } = this.estate;
    const customerPerson = new Map<number, Person>();
    for (const identity of this.identities.values()) for (const id of identity.customerIds) customerPerson.set(id, identity.person);
    const returnSellers = new Map<string, Seller[]>();
    for (const seller of pos.sellers) returnSellers.set(seller.store_code, [...(returnSellers.get(seller.store_code) ?? []), seller]);
    for (const order of this.estate.ecommerce.orders) {
      if (!(order.status === 'delivered' || order.status === 'collected') || !random.chance(0.03)) continue;
      const person = customerPerson.get(order.customer_id)!;
      const franchise = person.household.franchise.code;
      const store = pos.stores.find((s) => s.code === `${franchise}${String(person.household.storeIndex + 1).padStart(2, '0')}`)!;
      const returnedAt = new Date(Date.parse(order.placed_at) + random.int(5, 30) * 86_400_000);
      if (returnedAt > this.asOf) continue;
      const identity = this.identities.get(person.id)!;
      const lines = order.lines.slice(0, 1).map((l) => {
        const article = this.skuIndex.get(l.sku)!;
        return {
          ...this.tillCode(article, franchise),
          quantity: l.quantity,
          refund_cents: toCents(l.unit_price) * l.quantity - toCents(l.discount),
          restock: true,
        };
      });
      pos.returns.push({
        franchise, return_no: '', store_code: store.code, seller_code: random.pick(returnSellers.get(store.code)!).code,
        returned_at: returnedAt.toISOString(), receipt_no: null, web_order_number: order.number,
        card_number: identity.cards.find((c) => c.status === 'ACTIVE')?.card_number ?? null,
        refund_total_cents: lines.reduce((s, l) => s + l.refund_cents, 0), lines,
      });
    }
    pos.returns.sort((a, b) => a.returned_at.localeCompare(b.returned_at) || a.store_code.localeCompare(b.store_code));
    const seq = new Map(this.cohort.next.return);
    for (const ret of pos.returns) {
      const n = (seq.get(ret.store_code) ?? 0) + 1;
      seq.set(ret.store_code, n);
      ret.return_no = `R-${ret.store_code}-${String(n).padStart(6, '0')}`;
    }
  }

  // ------------------------------------------------------------------ loyalty points, tiers, consent, offers

  private loyaltyPointsAndTiers(): void {
    const random = this.people$.fork('points');
    const { loyalty, pos } = this.estate;
    const memberOfCard = new Map(loyalty.cards.map((c) => [c.card_number, c.member_id]));
    const movements: Omit<PointsMovement, 'id'>[] = [];
    for (const member of loyalty.members) movements.push({ member_id: member.member_id, at: member.enrolled_at, points: 100, reason: 'BONUS', reference: null });
    for (const receipt of pos.receipts) {
      const memberId = receipt.card_number ? memberOfCard.get(receipt.card_number) : undefined;
      if (memberId && receipt.total_cents > 0) {
        movements.push({ member_id: memberId, at: receipt.sold_at, points: Math.floor(receipt.total_cents / 100), reason: 'PURCHASE', reference: receipt.receipt_no });
      }
    }
    movements.sort((a, b) => a.at.localeCompare(b.at) || a.member_id.localeCompare(b.member_id));
    const balance = new Map<string, number>();
    const earned = new Map<string, number>();
    for (const movement of movements) {
      loyalty.movements.push({ id: this.cohort.next.movement + loyalty.movements.length, ...movement });
      const now = (balance.get(movement.member_id) ?? 0) + movement.points;
      balance.set(movement.member_id, now);
      earned.set(movement.member_id, (earned.get(movement.member_id) ?? 0) + movement.points);
      if (now >= 500 && random.chance(0.15)) {
        loyalty.movements.push({ id: this.cohort.next.movement + loyalty.movements.length, member_id: movement.member_id, at: new Date(Date.parse(movement.at) + 3_600_000).toISOString(), points: -500, reason: 'REDEMPTION', reference: null });
        balance.set(movement.member_id, now - 500);
      }
    }
    for (const member of loyalty.members) {
      member.points_balance = balance.get(member.member_id) ?? 0;
      const total = earned.get(member.member_id) ?? 0;
      member.tier = total >= 3000 ? 'GOLD' : total >= 1000 ? 'SILVER' : 'BRONZE';
    }
  }

  private consents(): void {
    const random = this.people$.fork('consent');
    const { loyalty } = this.estate;
    const channels: ConsentChannel[] = ['EMAIL', 'SMS', 'PHONE', 'POST'];
    for (const member of loyalty.members) {
      for (const channel of channels) {
        if (channel === 'EMAIL' && member.email === null) continue;
        // Texts go to the mobile, or to the phone when the mobile field was left empty.
        if (channel === 'SMS' && (member.mobile ?? member.phone) === null) continue;
        if (channel === 'PHONE' && member.phone === null) continue;
        const source = random.pick(['WEB', 'APP', 'CALLCENTER', `STORE:${member.home_store_code}`]);
        const first: ConsentRecord = {
          member_id: member.member_id,
          channel,
          purpose: 'MARKETING',
          status: random.weighted([['OPT_IN', 45], ['OPT_OUT', 40], ['PENDING', channel === 'EMAIL' ? 15 : 2]] as const),
          captured_at: laterThan(member.enrolled_at, this.asOf, random),
          source,
        };
        loyalty.consents.push(first);
        if (random.chance(0.15)) {
          // Changed their mind later; the most recent decision is the one in force.
          loyalty.consents.push({
            ...first,
            status: first.status === 'OPT_IN' ? 'OPT_OUT' : 'OPT_IN',
            captured_at: laterThan(first.captured_at, this.asOf, random),
            source: random.pick(['WEB', 'APP', 'CALLCENTER']),
          });
        }
      }
    }
  }

  private offersRulesAndCampaigns(): void {
    const random = this.people$.fork('offers');
    const day = 86_400_000;
    const at = (days: number) => new Date(this.asOf.getTime() + days * day).toISOString();
    const refs = this.estate.catalogue.products.map((p) => p.ref);
    // OF-NEXT and the birthday offers are sent as marketing messages: only for members who accept marketing.
    const offers: MemberOffer[] = [
      { offer_id: 'OF-WELCOME', title: 'Bienvenue', description: '10 € offerts dès 50 € d’achat', kind: 'AMOUNT', value: '10.00', valid_from: at(-400), valid_to: at(400), min_tier: 'BRONZE', member_id: null, product_refs: [], marketing: false },
      { offer_id: 'OF-SILVER15', title: 'Avantage Argent', description: '15 % sur la randonnée', kind: 'PERCENT', value: '15', valid_from: at(-30), valid_to: at(60), min_tier: 'SILVER', member_id: null, product_refs: refs.slice(0, 20), marketing: false },
      { offer_id: 'OF-GOLD2X', title: 'Points doublés', description: 'Points doublés tout le mois', kind: 'POINTS_MULTIPLIER', value: '2', valid_from: at(-10), valid_to: at(20), min_tier: 'GOLD', member_id: null, product_refs: [], marketing: false },
      { offer_id: 'OF-SUMMER', title: 'Soldes d’été', description: 'Offre expirée', kind: 'PERCENT', value: '20', valid_from: at(-150), valid_to: at(-90), min_tier: 'BRONZE', member_id: null, product_refs: [], marketing: false },
      { offer_id: 'OF-NEXT', title: 'Black Friday membres', description: 'Accès anticipé', kind: 'PERCENT', value: '25', valid_from: at(20), valid_to: at(30), min_tier: 'BRONZE', member_id: null, product_refs: [], marketing: true },
    ];
    const birthday = (memberId: string): MemberOffer => ({
      offer_id: `OF-P-${memberId}`, title: 'Offre anniversaire', description: 'Un cadeau pour votre anniversaire', kind: 'AMOUNT', value: '15.00',
      valid_from: at(-15), valid_to: at(45), min_tier: 'BRONZE', member_id: memberId, product_refs: [], marketing: true,
    });
    const personal = this.estate.loyalty.members.filter(() => random.chance(0.03)).map((member) => birthday(member.member_id));
    // Every estate, a tiny one too, has a personalised offer: the one kind sent only to members who accept marketing.
    if (personal.length === 0 && this.estate.loyalty.members.length > 0) personal.push(birthday(this.estate.loyalty.members[0]!.member_id));
    offers.push(...personal);
    this.estate.loyalty.offers.push(...offers);

    this.estate.ecommerce.cartRules.push(...this.cartRules);
    this.estate.catalogue.campaigns.push(...this.campaigns);
  }

  /**
   * The web cart rules and the national campaigns, decided before any price so that the prices
   * are planted around them: the pick of the month and the "prix choc" cover products no other
   * campaign or rule covers, so that the best deal is the same in both channels.
   */
  private campaignsAndCartRules(): void {
    const day = 86_400_000;
    const at = (days: number) => new Date(this.asOf.getTime() + days * day).toISOString();
    const onWeb = this.articles.filter((a) => a.web !== null);
    const skus = onWeb.map((a) => a.web!.sku);
    // The clearance is of the tents the catalogue knows: a web-only product has no list price to clear from.
    const tents = onWeb.filter((a) => a.catalogue !== null && a.category.path[1] === 'Tentes').map((a) => a.web!.sku);
    this.cartRules = [
      { id: 1, name: 'Bienvenue', code: 'BIENVENUE10', type: 'percent', value: '10', starts_at: at(-900), ends_at: null, scope: { skus: null, min_subtotal: '30.00', first_order: true }, priority: 10, stackable: false },
      { id: 2, name: 'Noël 2025', code: 'NOEL2025', type: 'amount', value: '15.00', starts_at: at(-340), ends_at: at(-310), scope: { skus: null, min_subtotal: '100.00', first_order: false }, priority: 20, stackable: true },
      { id: 3, name: 'Running -15%', code: 'RUN15', type: 'percent', value: '15', starts_at: at(-60), ends_at: at(30), scope: { skus: skus.filter((s) => s.startsWith('RUN')), min_subtotal: null, first_order: false }, priority: 5, stackable: true },
      { id: 4, name: 'Livraison offerte', code: null, type: 'free_shipping', value: null, starts_at: at(-200), ends_at: null, scope: { skus: null, min_subtotal: '60.00', first_order: false }, priority: 50, stackable: true },
      { id: 5, name: 'Déstockage tentes', code: null, type: 'percent', value: '25', starts_at: at(-5), ends_at: at(25), scope: { skus: tents, min_subtotal: null, first_order: false }, priority: 1, stackable: false },
    ];

    this.campaigns = [
      { id: 'CMP-RUN-AUTUMN', name: { fr: 'Automne running', en: 'Autumn running' }, starts_at: at(-20), ends_at: at(40), kind: 'PERCENT', value: '20', channels: ['WEB', 'STORE'], product_refs: [], categories: ['Chaussures > Running'] },
      { id: 'CMP-CAMP-CLEAR', name: { fr: 'Fin de saison camping', en: 'Camping clearance' }, starts_at: at(-10), ends_at: at(20), kind: 'PERCENT', value: '30', channels: ['STORE'], product_refs: [], categories: ['Camping'] },
      { id: 'CMP-WEB-JACKETS', name: { fr: 'Vestes : 10 € offerts', en: 'Jackets: €10 off' }, starts_at: at(-5), ends_at: at(25), kind: 'AMOUNT', value: '10.00', channels: ['WEB'], product_refs: [], categories: ['Vêtements > Vestes'] },
    ];
    const unpromoted = this.articles.filter((a) => a.catalogue !== null && !this.promoted(a)).map((a) => a.catalogue!.ref);
    this.promotedArticles.clear();
    this.campaigns.push(
      { id: 'CMP-SELECTION', name: { fr: 'Sélection du mois', en: 'Pick of the month' }, starts_at: at(-3), ends_at: at(27), kind: 'PERCENT', value: '15', channels: ['WEB', 'STORE'], product_refs: unpromoted.filter((_, i) => i % 37 === 0).slice(0, 25), categories: [] },
      { id: 'CMP-SPRING-2026', name: { fr: 'Printemps 2026', en: 'Spring 2026' }, starts_at: at(-220), ends_at: at(-180), kind: 'PERCENT', value: '10', channels: ['WEB', 'STORE'], product_refs: [], categories: [CATEGORIES[0]!.path[0]] },
    );

    // A price hit on a handful of clean products of about the same list price: one fixed price,
    // at least 3 % under each of their list prices.
    const random = this.priceRandom;
    const clean = this.articles
      .filter((a) => a.catalogue !== null && a.listCents >= 1000 && this.isClean(a))
      .sort((a, b) => a.listCents - b.listCents || (a.id < b.id ? -1 : 1));
    const count = random.int(5, 8);
    if (clean.length >= count) {
      const first = random.int(0, clean.length - count);
      const chosen = clean.slice(first, first + count);
      this.campaigns.push({
        id: 'CMP-PRIX-CHOC', name: { fr: 'Prix choc', en: 'Price hit' }, starts_at: at(-7), ends_at: at(21), kind: 'FIXED_PRICE',
        value: toDecimal(fixedPriceUnder(chosen.map((a) => a.listCents))), channels: ['WEB', 'STORE'],
        product_refs: chosen.map((a) => a.catalogue!.ref), categories: [],
      });
      this.promotedArticles.clear();
    }
  }

  /**
   * The price ground truth: every place of every product (the web when the shop sells it, each
   * store with a stock row or a price valid now) where the generator planted a cause, with its
   * causes. Every other place asks the reference price; `generate.test.ts` checks both by
   * working the prices out from the estate.
   */
  private priceTruth(): PriceTruth {
    const atMs = this.asOf.getTime();
    const { pos } = this.estate;
    const key = (store: string, ean: string | null, local: string | null) => `${store}|${ean ?? ''}|${local ?? ''}`;
    const stocked = new Set(pos.stock.map((s) => key(s.store_code, s.ean, s.local_code)));
    const priced = new Set(pos.prices.filter((p) => runsAt(p.valid_from, p.valid_to, atMs)).map((p) => key(p.store_code, p.ean, p.local_code)));
    const running = this.campaigns.filter((c) => runsAt(c.starts_at, c.ends_at, atMs));
    const webOnly = running.filter((c) => sameChannels(c, ['WEB']));
    const storeOnly = running.filter((c) => sameChannels(c, ['STORE']));
    if (this.cartRules.some((r) => r.code === null && r.type !== 'free_shipping' && r.scope.min_subtotal !== null && runsAt(r.starts_at, r.ends_at, atMs))) {
      throw new Error('the price truth does not weigh the minimum basket of an automatic cart rule: plant none');
    }
    const incoherences: PriceIncoherenceTruth[] = [];
    for (const article of this.articles) {
      const places: [string, PriceIncoherenceCause[]][] = [];
      if (article.web?.active) {
        const causes: PriceIncoherenceCause[] = [];
        const base = this.basePriceCauses.get(`WEB|${article.id}`);
        if (base) causes.push(base);
        const webOnlyCampaign = article.catalogue !== null && webOnly.some((c) => campaignCovers(c, article.catalogue!));
        if (webOnlyCampaign || this.cartRules.some((r) => automaticRuleCovers(r, article.web!.sku, atMs))) causes.push('WEB_ONLY_PROMOTION');
        places.push(['WEB', causes]);
      }
      for (const store of pos.stores) {
        const code = this.tillCode(article, store.franchise);
        if (code.ean === null && code.local_code === null) continue;
        const at = key(store.code, code.ean, code.local_code);
        if (!stocked.has(at) && !priced.has(at)) continue;
        const causes: PriceIncoherenceCause[] = [];
        if (!priced.has(at) && !article.catalogue?.list_price) causes.push('MISSING_PRICE');
        const base = this.basePriceCauses.get(`${store.code}|${article.id}`);
        if (base) causes.push(base);
        if (pos.promotions.some((p) => storePromotionApplies(p, store.code, store.franchise, article.ean, atMs))) causes.push('STORE_PROMOTION');
        if (article.catalogue !== null && storeOnly.some((c) => campaignCovers(c, article.catalogue!))) causes.push('STORE_ONLY_PROMOTION');
        places.push([store.code, causes]);
      }
      for (const [place, causes] of places) {
        if (causes.length > 0) incoherences.push({ productId: article.id, place, causes: [...new Set(causes)].sort() });
      }
    }
    incoherences.sort((a, b) => compareText(a.productId, b.productId) || compareText(a.place, b.place));
    return { asOf: this.asOf.toISOString(), incoherences };
  }

  /**
   * The do-not-call list as Bloctel would return it for the retailer's numbers: about
   * {@link OPPOSITION_SHARE} of the distinct numbers the systems hold for people (loyalty
   * phone and mobile, web account phone, numbers keyed at the tills), and
   * {@link OPPOSITION_STRANGERS} numbers no one in the estate has (Bloctel answers for the
   * numbers it was sent, but a list carries numbers reassigned or mistyped since). Written
   * mostly in national form, as Bloctel does, and now and then spaced or international.
   * Drawn from its own stream after everything else, so that no other record moves.
   */
  private oppositionList(): OppositionTruth {
    const random = this.people$.fork('opposition');
    const { ecommerce, loyalty, pos } = this.estate;
    const keyed = [
      ...loyalty.members.flatMap((m) => [m.phone, m.mobile]),
      ...ecommerce.customers.map((c) => c.phone),
      ...pos.receipts.map((r) => r.phone),
      ...pos.clients.map((c) => c.phone),
      ...pos.quotes.map((q) => q.phone),
    ];
    const held = [...new Set(keyed.map((phone) => toE164(phone)).filter((e164): e164 is string => e164 !== null && e164.startsWith('+33')))].sort(compareText);
    // A partial shuffle: the first `wanted` numbers of the pool are the sample.
    const pool = [...held];
    const wanted = Math.round(held.length * OPPOSITION_SHARE);
    for (let i = 0; i < wanted; i++) {
      const j = i + Math.floor(random.next() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const listed = new Set(pool.slice(0, wanted));
    // Numbers of nobody: neither held by a system nor any person's own line.
    const anyones = new Set([...held, ...this.people.flatMap((p) => [p.mobile, p.household.landline])]);
    const someNumber = () => `+33${random.pick(['6', '7', '1', '2', '3', '4', '5', '9'])}${digits(random, 8)}`;
    for (let n = 0; n < OPPOSITION_STRANGERS; n++) {
      let stranger = someNumber();
      while (anyones.has(stranger) || listed.has(stranger)) stranger = someNumber();
      listed.add(stranger);
    }
    const phones = [...listed].sort(compareText);
    const lines = phones.map((e164) => {
      const format = random.weighted([['compact', 75], ['spaced', 13], ['e164', 12]] as const);
      return format === 'e164' ? e164 : formatPhone(e164, format);
    });
    this.estate.opposition.bloctel = `numero\n${lines.map((line) => `${line}\n`).join('')}`;
    return { phones };
  }

  private recordsPhone(person: Person, e164: string): boolean {
    const digitsOf = (value: string) => value.replace(/\D/g, '').replace(/^33/, '0');
    const national = digitsOf(e164);
    const identity = this.identities.get(person.id)!;
    const customers = this.estate.ecommerce.customers;
    if (identity.customerIds.some((id) => {
      const phone = customers[id - this.cohort.next.webCustomer]?.phone;
      return phone ? digitsOf(phone) === national : false;
    })) return true;
    const member = identity.memberId ? this.estate.loyalty.members[Number(identity.memberId.slice(1)) - this.cohort.next.member] : undefined;
    return member?.phone ? digitsOf(member.phone) === national : false;
  }
}

/** The share of the people's distinct numbers the do-not-call list holds. */
const OPPOSITION_SHARE = 0.08;
/** Numbers on the do-not-call list that belong to no one in the estate. */
const OPPOSITION_STRANGERS = 20;

/** Picks an item at random and removes it from the list. */
function take<T>(random: Random, items: T[]): T {
  return items.splice(Math.floor(random.next() * items.length), 1)[0]!;
}

/** Code-unit order, the same on every machine whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cardInUse(cards: LoyaltyCard[], at: string): string {
  const active = cards.find((c) => c.status === 'ACTIVE')!;
  const older = cards.find((c) => c.status !== 'ACTIVE');
  return older && at < active.issued_at ? older.card_number : active.card_number;
}

function capitaliseParts(email: string): string {
  return email.replace(/(^|[.@])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
}

function laterThan(iso: string, asOf: Date, random: Random): string {
  const from = Date.parse(iso);
  return new Date(from + random.next() * Math.max(0, asOf.getTime() - from)).toISOString();
}

function toCents(decimal: string): number {
  const [whole, fraction = ''] = decimal.split('.');
  const sign = whole!.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2)));
}
