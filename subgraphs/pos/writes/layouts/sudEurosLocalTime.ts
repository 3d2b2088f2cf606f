import { GENERATED_RETURN_NUMBER, type WriteLayout } from '../writeLayout.js';

/** The tills' wall clock: SUD keeps `timestamp without time zone` in Paris time. */
const SUD_TIME_ZONE = 'Europe/Paris';

/**
 * SUD's till: French names, `numeric(10,2)` euros, Paris wall-clock times without a zone,
 * 'O'/'N' flags, French status codes.
 */
export const sudEurosLocalTimeWrites: WriteLayout = {
  name: 'sud_euros_local_time',
  sellers: { table: 'vendeurs', store: 'code_magasin', code: 'code_vendeur' },
  receipts: { table: 'tickets', number: 'num_ticket', store: 'code_magasin', card: 'carte_fidelite' },
  quotes: {
    table: 'devis',
    number: 'num_devis',
    store: 'code_magasin',
    status: 'statut',
    validUntil: 'date_validite',
    webOrder: 'num_commande_web',
    card: 'carte_fidelite',
  },
  phones: { kept: 'on_records', receipts: 'telephone', quotes: 'telephone' },
  quoteStatus: { OPEN: 'EN_COURS', CONVERTED_IN_STORE: 'TRANSFORME_MAGASIN', CONVERTED_ONLINE: 'TRANSFORME_WEB', EXPIRED: 'EXPIRE' },
  returns: {
    table: 'retours',
    number: 'num_retour',
    store: 'code_magasin',
    seller: 'code_vendeur',
    at: 'date_retour',
    receipt: 'num_ticket',
    webOrder: 'num_commande_web',
    card: 'carte_fidelite',
    total: 'montant_rembourse',
  },
  returnLines: {
    table: 'lignes_retour',
    number: 'num_retour',
    line: 'num_ligne',
    ean: 'ean',
    localCode: 'code_local',
    quantity: 'quantite',
    refund: 'montant_rembourse',
    restock: 'remise_en_stock',
  },
  // Exact: numeric division, never a float.
  money: (cents) => `((${cents})::numeric / 100)::numeric(10,2)`,
  // The wall clock an instant shows in Paris, whatever the session's TimeZone. The night summer
  // time ends, two instants an hour apart show the same time: the till cannot tell them apart.
  time: (instant) => `((${instant}) AT TIME ZONE '${SUD_TIME_ZONE}')`,
  instant: (column) => `(${column} AT TIME ZONE '${SUD_TIME_ZONE}')`,
  flag: (value) => `CASE WHEN ${value} THEN 'O' ELSE 'N' END`,
  returnNumber: GENERATED_RETURN_NUMBER,
};
