import { gs1CheckDigit, isValidGtin, toGtin14, withCheckDigit } from './gtin.js';

test('computes the GS1 check digit of the worked example', () => {
  expect(gs1CheckDigit('629104150021')).toBe(3);
  expect(withCheckDigit('629104150021')).toBe('6291041500213');
});

test.each([
  ['6291041500213', true],
  ['6291041500214', false],
  ['96385074', true], // GTIN-8
  ['036000291452', true], // UPC-A / GTIN-12
  ['00012345600012', true], // GTIN-14
  ['629104150021', false], // a 12-digit code whose last digit is not its check digit
  ['62910415002A3', false],
  ['', false],
])('isValidGtin(%s) is %s', (code, valid) => {
  expect(isValidGtin(code)).toBe(valid);
});

test('pads to GTIN-14 for comparison and refuses invalid codes', () => {
  expect(toGtin14('6291041500213')).toBe('06291041500213');
  expect(() => toGtin14('6291041500214')).toThrow('not a valid GTIN: "6291041500214"');
  expect(() => gs1CheckDigit('12a')).toThrow('GS1 data digits must be digits only, got "12a"');
});
