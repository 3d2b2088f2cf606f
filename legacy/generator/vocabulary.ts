/** Word pools the generator draws from: French retail, as the estate's first market. */

export const FIRST_NAMES = [
  'Camille', 'Léa', 'Manon', 'Chloé', 'Emma', 'Inès', 'Sarah', 'Julie', 'Laura', 'Marie', 'Claire', 'Anne',
  'Sophie', 'Nathalie', 'Isabelle', 'Céline', 'Élodie', 'Lucie', 'Pauline', 'Mathilde', 'Zoé', 'Alice', 'Jade', 'Louise',
  'Lucas', 'Hugo', 'Louis', 'Thomas', 'Nicolas', 'Julien', 'Maxime', 'Antoine', 'Alexandre', 'Pierre', 'Jean', 'Paul',
  'Philippe', 'François', 'Laurent', 'Olivier', 'Sébastien', 'Romain', 'Mathieu', 'Kévin', 'Yanis', 'Adam', 'Noah', 'Théo',
] as const;

export const LAST_NAMES = [
  'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent', 'Simon',
  'Michel', 'Lefèvre', 'Leroy', 'Roux', 'David', 'Bertrand', 'Morel', 'Fournier', 'Girard', 'Bonnet', 'Dupont',
  'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller', 'Lefebvre', 'Faure', 'André', 'Mercier', 'Blanc', 'Guérin',
  'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Garcia', 'Perrin', 'Robin', 'Clément', 'Morin',
  'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Gautier', 'Masson', 'Marchand', 'Duval', 'Denis', 'Dumont', 'Marie',
  'Lemaire', 'Noël', 'Meyer', 'Dufour', 'Meunier', 'Brun', 'Blanchard', 'Giraud', 'Joly', 'Rivière', 'Lucas', 'Brunet',
  'Gaillard', 'Barbier', 'Arnaud', 'Martinez', 'Gérard', 'Roche', 'Renard', 'Schmitt', 'Roy', 'Leroux', 'Colin', 'Vidal',
  'Caron', 'Picard', 'Roger', 'Fabre', 'Aubert', 'Lemoine', 'Renaud', 'Dumas', 'Lacroix', 'Olivier', 'Philippe',
  'Bourgeois', 'Pierre', 'Benoît', 'Rey', 'Leclerc', 'Payet', 'Rolland', 'Leclercq', 'Guillaume', 'Lecomte', 'Lopez',
  'Jean', 'Dupuy', 'Guillot', 'Hubert', 'Berger', 'Carpentier', 'Sanchez', 'Dupuis', 'Moulin', 'Louis', 'Deschamps',
  'Huet', 'Vasseur', 'Perez', 'Boucher', 'Fleury', 'Royer', 'Klein', 'Jacquet', 'Adam', 'Paris', 'Poirier', 'Marty',
  'Aubry', 'Guyot', 'Carré', 'Charles', 'Renault', 'Charpentier', 'Ménard', 'Maillard', 'Baron', 'Bertin', 'Bailly',
  'Hervé', 'Schneider', 'Fernandez', 'Le Gall', 'Collet', 'Léger', 'Bouvier', 'Julien', 'Prévost', 'Millet', 'Perrot',
  'Daniel', 'Le Roux', 'Cousin', 'Germain', 'Breton', 'Besson', 'Langlois', 'Rémy', 'Le Goff', 'Pelletier', 'Lévêque',
] as const;

export const EMAIL_PROVIDERS = ['gmail.com', 'orange.fr', 'hotmail.fr', 'free.fr', 'yahoo.fr', 'laposte.net', 'sfr.fr', 'outlook.fr'] as const;

export interface FranchiseSeed {
  code: 'NRD' | 'SUD' | 'OUE';
  name: string;
  schema: string;
  /** Landline area digit for the region (01 Paris/north … 05 south-west). */
  areaDigit: string;
  stores: { city: string; postcode: string; name: string; lat: number; lon: number; clickAndCollect: boolean }[];
}

export const FRANCHISES: readonly FranchiseSeed[] = [
  {
    code: 'NRD', name: 'Nord Sports SARL', schema: 'franchise_nrd', areaDigit: '3',
    stores: [
      { city: 'Lille', postcode: '59000', name: 'Lille Centre', lat: 50.6365, lon: 3.0635, clickAndCollect: true },
      { city: 'Roubaix', postcode: '59100', name: 'Roubaix Grand-Place', lat: 50.6916, lon: 3.1741, clickAndCollect: true },
      { city: 'Arras', postcode: '62000', name: 'Arras Héros', lat: 50.2910, lon: 2.7775, clickAndCollect: false },
    ],
  },
  {
    code: 'SUD', name: 'Sud Glisse SAS', schema: 'franchise_sud', areaDigit: '4',
    stores: [
      { city: 'Marseille', postcode: '13001', name: 'Marseille Canebière', lat: 43.2975, lon: 5.3810, clickAndCollect: true },
      { city: 'Nice', postcode: '06000', name: 'Nice Masséna', lat: 43.6975, lon: 7.2700, clickAndCollect: true },
      { city: 'Montpellier', postcode: '34000', name: 'Montpellier Comédie', lat: 43.6086, lon: 3.8798, clickAndCollect: false },
    ],
  },
  {
    code: 'OUE', name: 'Ouest Aventure EURL', schema: 'franchise_oue', areaDigit: '2',
    stores: [
      { city: 'Nantes', postcode: '44000', name: 'Nantes Commerce', lat: 47.2130, lon: -1.5590, clickAndCollect: true },
      { city: 'Rennes', postcode: '35000', name: 'Rennes République', lat: 48.1100, lon: -1.6790, clickAndCollect: false },
    ],
  },
];

export interface CategorySeed {
  path: [string, string];
  en: string;
  nouns: { fr: string; en: string }[];
  sizes: readonly string[];
  /** Typical list price range in euros. */
  price: [number, number];
}

const SHOE_SIZES = ['38', '39', '40', '41', '42', '43', '44', '45'] as const;
const CLOTHING_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'] as const;

export const CATEGORIES: readonly CategorySeed[] = [
  { path: ['Chaussures', 'Running'], en: 'Running shoes', sizes: SHOE_SIZES, price: [49, 179], nouns: [{ fr: 'Chaussure de running', en: 'Running shoe' }, { fr: 'Chaussure trail', en: 'Trail shoe' }] },
  { path: ['Chaussures', 'Randonnée'], en: 'Hiking boots', sizes: SHOE_SIZES, price: [59, 229], nouns: [{ fr: 'Chaussure de randonnée', en: 'Hiking boot' }, { fr: 'Botte imperméable', en: 'Waterproof boot' }] },
  { path: ['Vêtements', 'Vestes'], en: 'Jackets', sizes: CLOTHING_SIZES, price: [39, 299], nouns: [{ fr: 'Veste coupe-vent', en: 'Windbreaker' }, { fr: 'Doudoune', en: 'Down jacket' }, { fr: 'Veste polaire', en: 'Fleece jacket' }] },
  { path: ['Vêtements', 'T-shirts'], en: 'T-shirts', sizes: CLOTHING_SIZES, price: [9, 45], nouns: [{ fr: 'T-shirt technique', en: 'Technical T-shirt' }, { fr: 'Maillot respirant', en: 'Breathable jersey' }] },
  { path: ['Vêtements', 'Pantalons'], en: 'Trousers', sizes: CLOTHING_SIZES, price: [25, 119], nouns: [{ fr: 'Pantalon de randonnée', en: 'Hiking trousers' }, { fr: 'Collant running', en: 'Running tights' }] },
  { path: ['Sacs', 'Sacs à dos'], en: 'Backpacks', sizes: [], price: [19, 189], nouns: [{ fr: 'Sac à dos', en: 'Backpack' }, { fr: 'Sac d’hydratation', en: 'Hydration pack' }] },
  { path: ['Camping', 'Tentes'], en: 'Tents', sizes: [], price: [49, 599], nouns: [{ fr: 'Tente 2 places', en: '2-person tent' }, { fr: 'Tente familiale', en: 'Family tent' }] },
  { path: ['Vélo', 'Accessoires'], en: 'Cycling accessories', sizes: [], price: [5, 89], nouns: [{ fr: 'Casque vélo', en: 'Bike helmet' }, { fr: 'Éclairage LED', en: 'LED light set' }, { fr: 'Antivol', en: 'Bike lock' }] },
  { path: ['Natation', 'Maillots'], en: 'Swimwear', sizes: CLOTHING_SIZES, price: [15, 69], nouns: [{ fr: 'Maillot de bain', en: 'Swimsuit' }, { fr: 'Lunettes de natation', en: 'Swim goggles' }] },
] as const;

export const BRANDS = ['Altitude', 'Boréal', 'Cap Nord', 'Kerlouan', 'Mistral', 'Vertige', 'Azur Pro', 'Ondine'] as const;

export const MODELS = ['Evasion', 'Horizon', 'Sirocco', 'Granit', 'Lagon', 'Sommet', 'Brise', 'Comète', 'Falaise', 'Zénith', 'Alizé', 'Orage'] as const;

export const COLORS = [
  { fr: 'noir', en: 'black' }, { fr: 'bleu', en: 'blue' }, { fr: 'rouge', en: 'red' }, { fr: 'vert', en: 'green' },
  { fr: 'gris', en: 'grey' }, { fr: 'blanc', en: 'white' }, { fr: 'orange', en: 'orange' },
] as const;

export const STREETS = ['rue de la République', 'avenue Jean Jaurès', 'rue Victor Hugo', 'boulevard Gambetta', 'rue Pasteur', 'place de la Mairie', 'rue des Écoles', 'allée des Tilleuls'] as const;
