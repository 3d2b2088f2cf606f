import { checkGeoInput, departementCentre, departementOf, GeoInputError, haversineMetres, locate, PLACED_DEPARTEMENTS, type LatLng, type Place } from './geo.js';

const at = (latitude: number, longitude: number): LatLng => ({ latitude, longitude });

/** The spherical law of cosines: another formula for the same great-circle distance, to check against. */
function lawOfCosinesMetres(a: LatLng, b: LatLng, radius = 6_371_008.8): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const cos = Math.sin(r(a.latitude)) * Math.sin(r(b.latitude)) + Math.cos(r(a.latitude)) * Math.cos(r(b.latitude)) * Math.cos(r(b.longitude - a.longitude));
  return radius * Math.acos(Math.min(1, Math.max(-1, cos)));
}

describe('haversineMetres', () => {
  test('known arcs of the mean sphere: a degree of meridian, equator to pole, half the equator', () => {
    // 2πR/360, πR/2 and πR with R = 6,371,008.8 m.
    expect(haversineMetres(at(45, 3), at(46, 3))).toBeCloseTo(111_195.08, 1);
    expect(haversineMetres(at(0, 0), at(90, 0))).toBeCloseTo(10_007_557.2, 0);
    expect(haversineMetres(at(0, 0), at(0, 180))).toBeCloseTo(20_015_114.4, 0);
    expect(haversineMetres(at(10, 20), at(-10, -160))).toBeCloseTo(20_015_114.4, 0);
  });

  test('Paris to London is the 344 km every atlas gives, and the distance is symmetric', () => {
    const paris = at(48.8566, 2.3522);
    const london = at(51.5074, -0.1278);
    expect(Math.abs(haversineMetres(paris, london) - 343_600)).toBeLessThan(1_000);
    expect(haversineMetres(london, paris)).toBe(haversineMetres(paris, london));
    expect(haversineMetres(paris, paris)).toBe(0);
  });

  test.each([
    ['Lille Centre to Roubaix Grand-Place', at(50.6365, 3.0635), at(50.6916, 3.1741)],
    ['Nantes to Nice', at(47.213, -1.559), at(43.6975, 7.27)],
    ['across the antimeridian', at(-17.5, 179.9), at(-16.5, -179.6)],
  ])('%s agrees with the law of cosines to the metre', (_, a, b) => {
    expect(Math.abs(haversineMetres(a, b) - lawOfCosinesMetres(a, b))).toBeLessThan(1);
  });

  test('a short hop the law of cosines cannot resolve well: 100 m due north', () => {
    expect(haversineMetres(at(50, 3), at(50 + 100 / 111_195.08, 3))).toBeCloseTo(100, 3);
  });
});

describe('departementOf', () => {
  test.each([
    ['59000', '59'],
    ['06000', '06'],
    ['75116', '75'],
    [' 59 100 ', '59'],
    // Corsica: the postal split of Corse-du-Sud and Haute-Corse.
    ['20000', '2A'],
    ['20137', '2A'],
    ['20190', '2A'],
    ['20200', '2B'],
    ['20600', '2B'],
    // Overseas: three digits.
    ['97110', '971'],
    ['97200', '972'],
    ['97300', '973'],
    ['97400', '974'],
    ['97600', '976'],
    ['98000', '980'],
  ])('%j is in %s', (postcode, departement) => {
    expect(departementOf(postcode)).toBe(departement);
  });

  test.each(['5900', '590000', 'ABCDE', '', '59-00', 'B-1000'])('%j is no postcode', (postcode) => {
    expect(departementOf(postcode)).toBeNull();
  });
});

describe('the table of département centres', () => {
  test('places the 96 metropolitan départements (Corsica as 2A and 2B), the five overseas ones and Saint-Pierre-et-Miquelon', () => {
    const metropolitan = PLACED_DEPARTEMENTS.filter((d) => d.length === 2);
    expect(metropolitan).toHaveLength(96);
    expect(metropolitan).not.toContain('20');
    expect(PLACED_DEPARTEMENTS.filter((d) => d.length === 3).sort()).toEqual(['971', '972', '973', '974', '975', '976']);
    for (const d of metropolitan) {
      const { latitude, longitude } = departementCentre(d)!;
      // Metropolitan France's bounding box.
      expect(latitude).toBeGreaterThan(41.3);
      expect(latitude).toBeLessThan(51.1);
      expect(longitude).toBeGreaterThan(-5.2);
      expect(longitude).toBeLessThan(9.6);
    }
  });

  test.each([
    ['59', 'Lille', at(50.6292, 3.0573)],
    ['62', 'Arras', at(50.291, 2.7775)],
    ['13', 'Marseille', at(43.2965, 5.3698)],
    ['06', 'Nice', at(43.7102, 7.262)],
    ['34', 'Montpellier', at(43.6108, 3.8767)],
    ['44', 'Nantes', at(47.2184, -1.5536)],
    ['35', 'Rennes', at(48.1173, -1.6778)],
    ['67', 'Strasbourg', at(48.5734, 7.7521)],
    ['69', 'Lyon', at(45.764, 4.8357)],
    ['33', 'Bordeaux', at(44.8378, -0.5792)],
    ['31', 'Toulouse', at(43.6047, 1.4442)],
    ['2A', 'Ajaccio', at(41.9192, 8.7386)],
    ['2B', 'Bastia', at(42.6977, 9.4508)],
    ['974', 'Saint-Denis', at(-20.8789, 55.4481)],
  ])('the centre of %s is within 45 km of %s, its prefecture', (departement, _, prefecture) => {
    expect(haversineMetres(departementCentre(departement)!, prefecture)).toBeLessThan(45_000);
  });
});

describe('locate', () => {
  const stores: Place[] = [
    { postcode: '59000', country: 'FR', location: at(50.6365, 3.0635) },
    { postcode: '59100', country: 'FR', location: at(50.6916, 3.1741) },
    // Without coordinates: it cannot say where its département is.
    { postcode: '62000', country: 'FR', location: null },
    // Not France: its postcode means something else.
    { postcode: '13001', country: 'BE', location: at(50.85, 4.35) },
  ];

  test('coordinates are taken as given', () => {
    expect(locate({ latitude: 43.3, longitude: 5.38 }, stores)).toEqual({ point: at(43.3, 5.38), from: 'coordinates' });
    expect(locate({ latitude: -90, longitude: 180, postcode: null }, [])).toEqual({ point: at(-90, 180), from: 'coordinates' });
  });

  test("a postcode is placed at the mean of its département's French stores", () => {
    const located = locate({ postcode: '59800' }, stores);
    expect(located.from).toBe('stores');
    expect(located.departement).toBe('59');
    expect(located.point.latitude).toBeCloseTo((50.6365 + 50.6916) / 2, 10);
    expect(located.point.longitude).toBeCloseTo((3.0635 + 3.1741) / 2, 10);
  });

  test("without such a store, at the table's centre of its département", () => {
    expect(locate({ postcode: '62000' }, stores)).toEqual({ point: departementCentre('62'), from: 'table', departement: '62' });
    expect(locate({ postcode: '13001' }, stores)).toEqual({ point: departementCentre('13'), from: 'table', departement: '13' });
    expect(locate({ postcode: '20090' }, [])).toEqual({ point: departementCentre('2A'), from: 'table', departement: '2A' });
    expect(locate({ postcode: '97400' }, [])).toMatchObject({ from: 'table', departement: '974' });
  });

  test.each([
    [{}, 'give both latitude and longitude, or a postcode; got {"latitude":null,"longitude":null,"postcode":null}'],
    [{ latitude: 50.6 }, 'give both latitude and longitude, or a postcode; got {"latitude":50.6,"longitude":null,"postcode":null}'],
    [{ longitude: 3.06, postcode: null }, 'give both latitude and longitude, or a postcode; got {"latitude":null,"longitude":3.06,"postcode":null}'],
    [{ latitude: 50.6, longitude: 3.06, postcode: '59000' }, 'give either a coordinate pair or a postcode, not both; got {"latitude":50.6,"longitude":3.06,"postcode":"59000"}'],
    [{ latitude: 91, longitude: 3 }, 'latitude must be from -90 to 90, got 91'],
    [{ latitude: 50, longitude: -180.5 }, 'longitude must be from -180 to 180, got -180.5'],
    [{ latitude: Number.NaN, longitude: 3 }, 'latitude must be from -90 to 90, got NaN'],
    [{ postcode: '5900' }, 'postcode must be a French postcode of five digits, got "5900"'],
    [{ postcode: 'SW1A 1AA' }, 'postcode must be a French postcode of five digits, got "SW1A 1AA"'],
    [{ postcode: '00100' }, 'postcode "00100" is in no département we can place (00)'],
    [{ postcode: '98000' }, 'postcode "98000" is in no département we can place (980)'],
    [{ postcode: '96000' }, 'postcode "96000" is in no département we can place (96)'],
  ])('%j is refused: %s', (input, message) => {
    expect(() => locate(input, stores)).toThrow(new GeoInputError(message));
    expect(() => locate(input, stores)).toThrow(GeoInputError);
  });

  test('checkGeoInput refuses the shape before anything is read', () => {
    expect(checkGeoInput({ postcode: ' 59000 ' })).toEqual({ postcode: '59000', departement: '59' });
    expect(() => checkGeoInput({ postcode: '' })).toThrow('postcode must be a French postcode of five digits, got ""');
  });
});
