/**
 * Where a caller is and how far things are from there: great-circle distances, and a French
 * postcode placed on the map without any network call (its département's stores, else the
 * département's approximate centre from the table below).
 */

/** A point in WGS 84 decimal degrees. */
export interface LatLng {
  latitude: number;
  longitude: number;
}

/** The Earth's mean radius (IUGG R1), in metres: the sphere the haversine formula works on. */
export const EARTH_MEAN_RADIUS_METRES = 6_371_008.8;

const radians = (degrees: number) => (degrees * Math.PI) / 180;

/**
 * The great-circle distance between two points, in metres, by the haversine formula on a
 * sphere of the Earth's mean radius. Against the ellipsoid it errs by up to about 0.5 %, which
 * does not change which of two stores is nearer in any case that matters to a customer.
 */
export function haversineMetres(a: LatLng, b: LatLng): number {
  const dLat = radians(b.latitude - a.latitude);
  const dLon = radians(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  // min(): rounding may push h a hair above 1 for antipodal points.
  return 2 * EARTH_MEAN_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The French département a postcode belongs to: its first two digits, except Corsica (`20…`,
 * 2A for 200xx–201xx and 2B above, the postal split of Corse-du-Sud and Haute-Corse) and the
 * overseas départements and collectivities (`97…`, `98…`), which take three. Null for anything
 * that is not five digits. Cedex and military postcodes follow the same rule.
 */
export function departementOf(postcode: string): string | null {
  const code = postcode.replace(/\s+/g, '');
  if (!/^\d{5}$/.test(code)) return null;
  if (code.startsWith('20')) return code[2] === '0' || code[2] === '1' ? '2A' : '2B';
  if (code.startsWith('97') || code.startsWith('98')) return code.slice(0, 3);
  return code.slice(0, 2);
}

/**
 * The approximate middle of each French département, as [latitude, longitude].
 *
 * Source and precision: written by hand for this module from general knowledge of the map of
 * France (where each département lies relative to its main towns), rounded to 0.05°. These are
 * not centroids computed from the official boundaries: expect them to be 10 to 25 km off, more
 * for long or irregular départements (Nord, Pas-de-Calais, Meurthe-et-Moselle, Gironde, Guyane).
 * They are a fallback only, for a postcode where no store of ours stands; ranking stores from
 * there is right at the scale of a region, and `distanceMetres` from such a point is rough.
 * Overseas: the five départements and Saint-Pierre-et-Miquelon (975). Monaco (980) and the
 * Pacific collectivities are left out.
 */
const CENTRES: Readonly<Record<string, readonly [number, number]>> = {
  '01': [46.1, 5.35], '02': [49.55, 3.55], '03': [46.4, 3.2], '04': [44.1, 6.25], '05': [44.65, 6.25],
  '06': [43.95, 7.15], '07': [44.75, 4.4], '08': [49.6, 4.65], '09': [42.95, 1.5], '10': [48.3, 4.15],
  '11': [43.1, 2.4], '12': [44.3, 2.65], '13': [43.55, 5.1], '14': [49.1, -0.35], '15': [45.05, 2.65],
  '16': [45.7, 0.2], '17': [45.75, -0.7], '18': [47.05, 2.5], '19': [45.35, 1.85], '2A': [41.85, 8.95],
  '2B': [42.4, 9.2], '21': [47.4, 4.75], '22': [48.45, -2.85], '23': [46.1, 2.0], '24': [45.1, 0.75],
  '25': [47.15, 6.35], '26': [44.7, 5.15], '27': [49.1, 1.0], '28': [48.4, 1.35], '29': [48.25, -4.05],
  '30': [44.0, 4.2], '31': [43.35, 1.2], '32': [43.7, 0.45], '33': [44.85, -0.55], '34': [43.6, 3.4],
  '35': [48.15, -1.65], '36': [46.8, 1.55], '37': [47.25, 0.7], '38': [45.25, 5.6], '39': [46.75, 5.7],
  '40': [43.95, -0.8], '41': [47.6, 1.4], '42': [45.75, 4.2], '43': [45.1, 3.8], '44': [47.35, -1.7],
  '45': [47.9, 2.35], '46': [44.6, 1.6], '47': [44.35, 0.45], '48': [44.5, 3.5], '49': [47.4, -0.55],
  '50': [49.1, -1.3], '51': [48.95, 4.25], '52': [48.1, 5.2], '53': [48.15, -0.65], '54': [48.8, 6.15],
  '55': [49.0, 5.4], '56': [47.85, -2.8], '57': [49.05, 6.65], '58': [47.1, 3.5], '59': [50.45, 3.2],
  '60': [49.4, 2.45], '61': [48.6, 0.1], '62': [50.5, 2.3], '63': [45.7, 3.15], '64': [43.25, -0.75],
  '65': [43.05, 0.15], '66': [42.6, 2.5], '67': [48.65, 7.55], '68': [47.85, 7.25], '69': [45.85, 4.65],
  '70': [47.65, 6.1], '71': [46.65, 4.55], '72': [47.95, 0.2], '73': [45.45, 6.45], '74': [46.05, 6.4],
  '75': [48.85, 2.35], '76': [49.65, 1.0], '77': [48.6, 2.95], '78': [48.8, 1.85], '79': [46.55, -0.3],
  '80': [49.95, 2.3], '81': [43.8, 2.15], '82': [44.1, 1.3], '83': [43.45, 6.2], '84': [44.0, 5.15],
  '85': [46.65, -1.3], '86': [46.55, 0.45], '87': [45.9, 1.25], '88': [48.2, 6.4], '89': [47.85, 3.55],
  '90': [47.65, 6.9], '91': [48.5, 2.25], '92': [48.85, 2.25], '93': [48.9, 2.5], '94': [48.8, 2.45],
  '95': [49.1, 2.15],
  '971': [16.2, -61.55], '972': [14.65, -61.0], '973': [4.0, -53.0], '974': [-21.1, 55.5], '975': [46.9, -56.3], '976': [-12.8, 45.15],
};

/** The table's centre of a département, if it has one. */
export function departementCentre(departement: string): LatLng | undefined {
  const centre = CENTRES[departement];
  return centre ? { latitude: centre[0], longitude: centre[1] } : undefined;
}

/** Every département the table places. */
export const PLACED_DEPARTEMENTS: readonly string[] = Object.keys(CENTRES);

/** Something with a postcode and perhaps a place on the map: a store. */
export interface Place {
  postcode: string;
  /** ISO 3166-1 alpha-2; only French places say where a French postcode is. */
  country: string;
  location: LatLng | null;
}

/** Where a point asked for was placed, and how. */
export interface Located {
  point: LatLng;
  /** `coordinates` as given; `stores`: the mean of the places sharing the postcode's département; `table`: the table's centre. */
  from: 'coordinates' | 'stores' | 'table';
  /** The postcode's département, when a postcode was given. */
  departement?: string;
}

/** What a caller may give to say where they are: a coordinate pair or a French postcode, exactly one of them. */
export interface GeoInput {
  latitude?: number | null;
  longitude?: number | null;
  postcode?: string | null;
}

/** A {@link GeoInput} that breaks its contract; the message states it and shows the value. */
export class GeoInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'GeoInputError';
  }
}

const given = (value: unknown) => value !== null && value !== undefined;

/**
 * Checks the shape of a {@link GeoInput} without placing it: exactly one of a full coordinate
 * pair (latitude −90…90, longitude −180…180) or a five-digit postcode. Throws a
 * {@link GeoInputError} otherwise.
 */
export function checkGeoInput(input: GeoInput): { point: LatLng } | { postcode: string; departement: string } {
  const hasLatitude = given(input.latitude);
  const hasLongitude = given(input.longitude);
  const hasPostcode = given(input.postcode);
  if (hasPostcode && (hasLatitude || hasLongitude)) {
    throw new GeoInputError(`give either a coordinate pair or a postcode, not both; got ${show(input)}`);
  }
  if (hasPostcode) {
    const postcode = String(input.postcode).trim();
    const departement = departementOf(postcode);
    if (departement === null) throw new GeoInputError(`postcode must be a French postcode of five digits, got ${JSON.stringify(input.postcode)}`);
    return { postcode, departement };
  }
  if (!hasLatitude || !hasLongitude) {
    throw new GeoInputError(`give both latitude and longitude, or a postcode; got ${show(input)}`);
  }
  const latitude = input.latitude as number;
  const longitude = input.longitude as number;
  if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) throw new GeoInputError(`latitude must be from -90 to 90, got ${latitude}`);
  if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) throw new GeoInputError(`longitude must be from -180 to 180, got ${longitude}`);
  return { point: { latitude, longitude } };
}

/**
 * Places a {@link GeoInput}: coordinates as given; a postcode at the mean position of the
 * French `places` in its département that have one (our own stores say best where the
 * département's customers are), else at the table's centre of the département. Throws a
 * {@link GeoInputError} for a malformed input or a postcode neither can place.
 */
export function locate(input: GeoInput, places: Iterable<Place>): Located {
  const checked = checkGeoInput(input);
  if ('point' in checked) return { point: checked.point, from: 'coordinates' };
  const { postcode, departement } = checked;
  const points: LatLng[] = [];
  for (const place of places) {
    if (place.location !== null && place.country === 'FR' && departementOf(place.postcode) === departement) points.push(place.location);
  }
  if (points.length > 0) {
    // A plain mean: places of one département are close enough for the sphere not to matter.
    const latitude = points.reduce((sum, p) => sum + p.latitude, 0) / points.length;
    const longitude = points.reduce((sum, p) => sum + p.longitude, 0) / points.length;
    return { point: { latitude, longitude }, from: 'stores', departement };
  }
  const centre = departementCentre(departement);
  if (centre) return { point: centre, from: 'table', departement };
  throw new GeoInputError(`postcode ${JSON.stringify(postcode)} is in no département we can place (${departement})`);
}

function show(input: GeoInput): string {
  return JSON.stringify({ latitude: input.latitude ?? null, longitude: input.longitude ?? null, postcode: input.postcode ?? null });
}
