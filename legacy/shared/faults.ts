import { Random } from '../generator/random.js';

/** What a stand-in is told to do wrong. All fields are optional when set at run time. */
export interface FaultConfig {
  /** Fixed delay added before every answer, in milliseconds. */
  latencyMs: number;
  /** Extra random delay, uniform in [0, jitterMs], in milliseconds. */
  jitterMs: number;
  /** Share of calls, from 0 to 1, answered with the system's own kind of server error. */
  errorRate: number;
  /** When true the system is unreachable: connections are dropped without an answer. */
  down: boolean;
}

export type FaultDecision = 'ok' | 'error' | 'down';

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  down: false,
});

/**
 * Reads a stand-in's faults from the environment, e.g. for prefix `LEGACY_LOYALTY`:
 * `LEGACY_LOYALTY_LATENCY_MS`, `LEGACY_LOYALTY_JITTER_MS`, `LEGACY_LOYALTY_ERROR_RATE`,
 * `LEGACY_LOYALTY_DOWN`. A malformed value throws, naming the variable.
 */
export function faultsFromEnv(prefix: string, env: NodeJS.ProcessEnv = process.env): FaultConfig {
  const number = (suffix: string, min: number, max: number): number | undefined => {
    const name = `${prefix}_${suffix}`;
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new Error(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const downName = `${prefix}_DOWN`;
  const downRaw = env[downName];
  if (downRaw !== undefined && !['', '0', '1', 'true', 'false'].includes(downRaw)) {
    throw new Error(`${downName} must be true, false, 1 or 0, got ${JSON.stringify(downRaw)}`);
  }
  return {
    latencyMs: number('LATENCY_MS', 0, 600_000) ?? 0,
    jitterMs: number('JITTER_MS', 0, 600_000) ?? 0,
    errorRate: number('ERROR_RATE', 0, 1) ?? 0,
    down: downRaw === '1' || downRaw === 'true',
  };
}

/**
 * Checks a partial fault configuration sent to the admin endpoint.
 * Returns the problems found, one sentence each; an empty list means it is valid.
 */
export function validateFaultPatch(patch: unknown): string[] {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return [`faults must be a JSON object, got ${JSON.stringify(patch)}`];
  }
  const problems: string[] = [];
  const known = new Set(['latencyMs', 'jitterMs', 'errorRate', 'down']);
  for (const [key, value] of Object.entries(patch)) {
    if (!known.has(key)) {
      problems.push(`unknown fault "${key}"; expected one of ${[...known].join(', ')}`);
    } else if (key === 'down') {
      if (typeof value !== 'boolean') problems.push(`down must be a boolean, got ${JSON.stringify(value)}`);
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(`${key} must be a non-negative number, got ${JSON.stringify(value)}`);
    } else if (key === 'errorRate' && value > 1) {
      problems.push(`errorRate must be from 0 to 1, got ${value}`);
    }
  }
  return problems;
}

/**
 * Holds a stand-in's current faults and decides, call by call, what happens.
 * Random choices come from a seeded generator so that a test run is reproducible.
 */
export class FaultInjector {
  private current: FaultConfig;
  private random: Random;

  constructor(
    private readonly defaults: FaultConfig = NO_FAULTS,
    seed: number | string = 'faults',
  ) {
    this.current = { ...defaults };
    this.random = new Random(seed);
  }

  get config(): FaultConfig {
    return { ...this.current };
  }

  /** Applies a validated partial configuration; throws on an invalid one. */
  set(patch: Partial<FaultConfig>): FaultConfig {
    const problems = validateFaultPatch(patch);
    if (problems.length > 0) throw new Error(problems.join('; '));
    this.current = { ...this.current, ...patch };
    return this.config;
  }

  /** Back to what the environment said at start-up. */
  reset(): FaultConfig {
    this.current = { ...this.defaults };
    return this.config;
  }

  /** How long to wait before answering this call. */
  delayMs(): number {
    const { latencyMs, jitterMs } = this.current;
    return latencyMs + (jitterMs > 0 ? this.random.next() * jitterMs : 0);
  }

  /** Waits the injected delay, then says whether to answer, fail or drop the call. */
  async decide(): Promise<FaultDecision> {
    if (this.current.down) return 'down';
    const delay = this.delayMs();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    // Read again after the wait: the system may have been taken down meanwhile.
    if (this.current.down) return 'down';
    if (this.current.errorRate > 0 && this.random.next() < this.current.errorRate) return 'error';
    return 'ok';
  }
}
