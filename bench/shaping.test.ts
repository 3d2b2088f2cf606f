import { shapingBench } from './shaping.js';

// A smoke run of `npm run bench:shaping` so that it cannot rot; its figures are in RESULTS.md.
test('times both functions on every workload, after checking that they answer alike', async () => {
  const report = await shapingBench({ rounds: 1, answers: 3 });
  const rows = report.split('\n').filter((line) => /^\| (partner day|customer 360|category page) \|/.test(line));
  expect(rows).toHaveLength(3);
  for (const row of rows) expect(row).toMatch(/\| \d+\.\d{3} ms \| \d+\.\d{3} ms \| \d+\.\d{2}× \| \d+\.\d{3} \/ \d+\.\d{3} ms \|$/);
});
