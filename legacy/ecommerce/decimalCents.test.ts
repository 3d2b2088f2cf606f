import { formatCents, parseCents } from './decimalCents.js';

test.each([
  ['0', 0n],
  ['12.5', 1250n],
  ['89.90', 8990n],
  ['0.07', 7n],
  ['999999999999.99', 99999999999999n],
])('%s is %d cents', (text, cents) => {
  expect(parseCents(text)).toBe(cents);
});

test.each(['', '-1', '+1', '1.', '.5', '1.999', '01', '9,99', '1e2', ' 1', '1 ', '1000000000000'])('%j is not a decimal the platform stores', (text) => {
  expect(parseCents(text)).toBeUndefined();
});

test('cents are written with two decimals', () => {
  expect([formatCents(0n), formatCents(5n), formatCents(34790n), formatCents(-500n)]).toEqual(['0.00', '0.05', '347.90', '-5.00']);
});
