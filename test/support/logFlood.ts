import { droppedLogLines, loggerFor } from '../../subgraphs/shared/logger.js';
import { registry } from '../../subgraphs/shared/metrics.js';

/**
 * A process that logs about 20 MB while its standard output may not be read (test/logBuffer),
 * then says on standard error what it dropped and what its heap holds after a full collection,
 * and waits for its standard input to end; it then leaves once its last lines are written.
 */
const log = loggerFor('flood');
// First, a line that echoes far more than a line keeps, an address at its very end.
log.warn({ echoed: `${'y'.repeat(40_000)} jean.dupont@example.fr` }, 'z'.repeat(20_000));
const text = 'x'.repeat(1000);
for (let i = 0; i < 20_000; i++) log.info({ i }, text);
(globalThis as { gc?: () => void }).gc?.();
const metric = await registry.getSingleMetricAsString('crosscanal_log_lines_dropped_total');
process.stderr.write(`${JSON.stringify({ dropped: droppedLogLines(), heapUsed: process.memoryUsage().heapUsed, metric })}\n`);
process.stdin.resume();
// Once it ends: long enough for the warning about dropped lines (due a second after the first
// drop), then the process leaves of itself when the last lines are written, never before.
process.stdin.on('end', () => setTimeout(() => undefined, 1500));
