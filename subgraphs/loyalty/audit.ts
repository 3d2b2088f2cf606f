import { loggerFor } from '../shared/logger.js';

/**
 * The loyalty writes' audit trail (`component: audit-loyalty`): one line per write, with the
 * verified actor who made it, before the programme is asked.
 */
export const audit = loggerFor('audit-loyalty');
