import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import ts from 'typescript';
import { parseDocument } from 'yaml';
import { gatewayConfigFromEnv } from '../gateway/config.js';
import { configFromEnv as catalogueStandInConfig } from '../legacy/catalogue/config.js';
import { configFromEnv as ecommerceStandInConfig } from '../legacy/ecommerce/config.js';
import { configFromEnv as loyaltyStandInConfig } from '../legacy/loyalty/config.js';
import { configFromEnv as posStandInConfig } from '../legacy/pos/config.js';
import { SUBGRAPHS } from '../schema/subgraphs.js';
import { configFromEnv as catalogueSubgraphConfig } from '../subgraphs/catalogue/config.js';
import { loadConfig as crosscanalConfig } from '../subgraphs/crosscanal/config.js';
import { loadConfig as ecommerceSubgraphConfig } from '../subgraphs/ecommerce/config.js';
import { configFromEnv as loyaltySubgraphConfig } from '../subgraphs/loyalty/config.js';
import { configFromEnv as posSubgraphConfig } from '../subgraphs/pos/config.js';
import { internalSecretFromEnv } from '../subgraphs/shared/principal.js';

// The deployment, checked without a Docker engine: docker-compose.yml against the Compose
// specification's JSON schema, and every service against the code it runs — the entry point
// exists and matches the Dockerfile's command form, each variable given is one the code reads
// (read out of the sources), each address names a service of the file on the port it listens
// on, the gateway runs replicated behind the load balancer, every long-running service has a
// health check, and no secret is written down. The README's Operations section is kept in step.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// ---------------------------------------------------------------------------------------------
// Compose: YAML, interpolation

type Env = Record<string, string>;

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Env | string[];
  ports?: Array<string | { target?: number; published?: string | number }>;
  volumes?: Array<string | { type?: string; source?: string; target?: string; read_only?: boolean }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
  deploy?: { replicas?: number };
  scale?: number;
  container_name?: string;
}

interface ComposeFile {
  name?: string;
  version?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}

/** Parses YAML as Compose does: merge keys (`<<`) resolved, a repeated key an error. */
function parseYaml(text: string): unknown {
  const document = parseDocument(text, { merge: true, uniqueKeys: true });
  if (document.errors.length > 0) throw new Error(`docker-compose.yml is not valid YAML: ${document.errors.map((e) => e.message).join('; ')}`);
  return document.toJS();
}

const INTERPOLATION = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Compose's interpolation of one value: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `${VAR:+alt}` (and without the colon). */
function interpolate(text: string, vars: Env): string {
  return text.replace(INTERPOLATION, (_match, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (dollar) return '$';
    const name = (braced ?? bare)!;
    const value = vars[name];
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (op) {
      case ':-':
        return empty ? arg! : value!;
      case '-':
        return unset ? arg! : value!;
      case ':?':
        if (empty) throw new Error(`${name}: ${arg}`);
        return value!;
      case '?':
        if (unset) throw new Error(`${name}: ${arg}`);
        return value!;
      case ':+':
        return empty ? '' : arg!;
      case '+':
        return unset ? '' : arg!;
      default:
        return value ?? '';
    }
  });
}

/** Every variable a text interpolates, with the operator it uses each time. */
function interpolatedNames(text: string): Array<{ name: string; op: string }> {
  return [...text.matchAll(INTERPOLATION)].filter((m) => !m[1]).map((m) => ({ name: (m[2] ?? m[5])!, op: m[3] ?? '' }));
}

/** Interpolates every string value (never a key), as Compose does before it validates. */
function interpolateAll(value: unknown, vars: Env): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item, vars)]));
  }
  return value;
}

function parseEnvFile(text: string): Env {
  const vars: Env = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.trim().replace(/^'(.*)'$|^"(.*)"$/, '$1$2');
  }
  return vars;
}

function environmentOf(service: Service): Env {
  const environment = service.environment ?? {};
  if (!Array.isArray(environment)) return Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
  return Object.fromEntries(
    environment.map((entry) => {
      const at = entry.indexOf('=');
      return at === -1 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

function commandOf(service: Service): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command.map(String) : command.split(/\s+/).filter(Boolean);
}

function dependenciesOf(service: Service): Record<string, string> {
  const dependsOn = service.depends_on ?? [];
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([name, { condition }]) => [name, condition ?? 'service_started']));
}

function healthTest(service: Service): string {
  const test = service.healthcheck?.test;
  if (test === undefined || service.healthcheck?.disable) return '';
  return Array.isArray(test) ? test.join(' ') : test;
}

const rawText = read('docker-compose.yml');
const raw = parseYaml(rawText) as ComposeFile;
const envExample = parseEnvFile(read('.env.example'));

/** Placeholder values for the variables .env.example leaves to the operator, shaped like real ones. */
const OPERATOR_VALUES: Env = {
  CROSSCANAL_INTERNAL_SECRET: 'placeholder-for-the-shared-internal-secret',
  POSTGRES_PASSWORD: 'placeholderpassword',
  GATEWAY_JWT_ISSUER: 'https://id.retailer.example/',
  GATEWAY_JWKS_URL: 'https://id.retailer.example/.well-known/jwks.json',
};
const compose = interpolateAll(raw, { ...envExample, ...OPERATOR_VALUES }) as ComposeFile;
const services = compose.services;

// ---------------------------------------------------------------------------------------------
// The Dockerfile: stages, the command form, the files the code reads at run time

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword!.toUpperCase() === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!match) throw new Error(`Dockerfile: cannot read FROM ${args}`);
      stages.push({ base: match[1]!, name: match[2], instructions: [] });
    } else {
      if (stages.length === 0) continue; // ARG before the first FROM
      stages.at(-1)!.instructions.push({ keyword: keyword!.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(read('Dockerfile'));
const finalStage = stages.at(-1)!;
const workdir = finalStage.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args ?? '/';
const DOCKERFILE_TEXT = read('Dockerfile');

// ---------------------------------------------------------------------------------------------
// What each entry point reads from its environment, out of its sources

/** Variable names an entry point reads: exact ones, and patterns for names built at run time. */
interface EnvReads {
  names: Set<string>;
  patterns: RegExp[];
}

const ANY = Symbol('any');
type Piece = string | typeof ANY;

/**
 * Reads, in the TypeScript sources an entry point imports (transitively, our own modules
 * only), every access to a `NodeJS.ProcessEnv`: `env.NAME`, `process.env.NAME` and
 * `env[expression]`. The expression is evaluated statically: string literals, templates,
 * `const`s (imported ones too) and parameters, through the arguments of every call to their
 * function (`integer(env, 'GATEWAY_PORT', …)`, `value('SUBGRAPH_LOYALTY_PORT')`,
 * `` faultsFromEnv(`LEGACY_POS`, env) `` → `${prefix}_${suffix}`). What cannot be known
 * (`subgraph.name.toUpperCase()`) becomes a wildcard: `SUBGRAPH_*_URL`.
 */
class EnvReader {
  private readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;
  private calls = new Map<string, ts.CallExpression[]>();

  constructor(entries: string[]) {
    const configPath = join(ROOT, 'tsconfig.json');
    const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    this.program = ts.createProgram({ rootNames: entries.map((entry) => join(ROOT, entry)), options: { ...parsed.options, noEmit: true } });
    this.checker = this.program.getTypeChecker();
  }

  /** Our own modules an entry point imports, itself included. */
  modulesOf(entry: string): ts.SourceFile[] {
    const seen = new Map<string, ts.SourceFile>();
    const queue = [join(ROOT, entry)];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      const file = this.program.getSourceFile(path);
      if (!file) throw new Error(`${relative(ROOT, path)} is imported but not part of the program`);
      seen.set(path, file);
      const visit = (node: ts.Node) => {
        let specifier: ts.Expression | undefined;
        if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) specifier = node.moduleSpecifier;
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) specifier = node.arguments[0];
        if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) {
          const target = join(dirname(path), specifier.text).replace(/\.js$/, '.ts');
          if (existsSync(target)) queue.push(target);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
    }
    return [...seen.values()];
  }

  read(entry: string): EnvReads {
    const files = this.modulesOf(entry);
    this.calls = new Map();
    const reads: EnvReads = { names: new Set(), patterns: [] };
    const add = (pieces: Piece[]) => {
      if (pieces.every((piece) => typeof piece === 'string')) {
        const name = pieces.join('');
        if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) reads.names.add(name);
        return;
      }
      // A wildcard name counts only with a fixed part that says something (`SUBGRAPH_*_URL`, not `*_*`).
      const fixed = pieces.filter((piece): piece is string => typeof piece === 'string').join('');
      if ((fixed.match(/[A-Z]/g) ?? []).length < 3) return;
      const source = pieces.map((piece) => (piece === ANY ? '[A-Z0-9_]+' : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
      reads.patterns.push(new RegExp(`^${source}$`));
    };
    for (const file of files) {
      const visit = (node: ts.Node) => {
        // An upper-case property only: asking the checker for the type of every `a.b` would take long.
        if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.name) && /^[A-Z][A-Z0-9_]*$/.test(node.name.text) && this.isEnv(node.expression)) {
          add([node.name.text]);
        } else if (ts.isElementAccessExpression(node) && this.isEnv(node.expression)) {
          for (const pieces of this.evaluate(node.argumentExpression, files, 0)) add(pieces);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
    }
    if (reads.names.size === 0 && reads.patterns.length === 0) {
      throw new Error(`found no environment variable read by ${entry} or the modules it imports: the extractor no longer understands how its configuration reads the environment`);
    }
    return reads;
  }

  private isEnv(expression: ts.Expression): boolean {
    const text = expression.getText();
    if (text === 'process.env' || text === 'env') return true;
    const type = this.checker.getTypeAtLocation(expression);
    const types = type.isUnion() ? type.types : [type];
    return types.some((t) => (t.aliasSymbol ?? t.getSymbol())?.getName() === 'ProcessEnv');
  }

  /** The strings an expression can be, as pieces (a wildcard where it cannot be known). */
  private evaluate(expression: ts.Expression, files: ts.SourceFile[], depth: number): Piece[][] {
    if (depth > 8) return [[ANY]];
    if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return [[expression.text]];
    if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isNonNullExpression(expression)) {
      return this.evaluate(expression.expression, files, depth + 1);
    }
    if (ts.isTemplateExpression(expression)) {
      let results: Piece[][] = [[expression.head.text]];
      for (const span of expression.templateSpans) {
        const values = this.evaluate(span.expression, files, depth + 1);
        results = results.flatMap((prefix) => values.map((value) => [...prefix, ...value, span.literal.text])).slice(0, 500);
      }
      return results;
    }
    if (ts.isIdentifier(expression)) {
      let symbol = this.checker.getSymbolAtLocation(expression);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
      const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer && ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) {
        return this.evaluate(declaration.initializer, files, depth + 1);
      }
      if (declaration && ts.isParameter(declaration) && ts.isFunctionLike(declaration.parent)) {
        const fn = declaration.parent;
        const index = fn.parameters.indexOf(declaration);
        const values = this.callsTo(fn, files).flatMap((call) => {
          const argument = call.arguments[index];
          if (argument) return this.evaluate(argument, files, depth + 1);
          return declaration.initializer ? this.evaluate(declaration.initializer, files, depth + 1) : [];
        });
        return values.length > 0 ? values : [[ANY]];
      }
    }
    return [[ANY]];
  }

  /** Every call, in the given modules, of a function declared as `function f` or `const f = (…) =>`. */
  private callsTo(fn: ts.SignatureDeclaration, files: ts.SourceFile[]): ts.CallExpression[] {
    const key = `${fn.getSourceFile().fileName}:${fn.pos}`;
    const cached = this.calls.get(key);
    if (cached) return cached;
    const found: ts.CallExpression[] = [];
    for (const file of files) {
      const visit = (node: ts.Node) => {
        if (ts.isCallExpression(node)) {
          let symbol = this.checker.getSymbolAtLocation(node.expression);
          if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
          const declaration = symbol?.valueDeclaration;
          if (declaration === fn || (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer === fn)) found.push(node);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
    }
    this.calls.set(key, found);
    return found;
  }
}

// ---------------------------------------------------------------------------------------------
// The entry points, and the configuration each reads (its own config module, run on the file's environment)

interface Listening {
  host: string;
  /** The port its protocol is served on. */
  port: number;
  /** The stand-ins' admin port, where it has one of its own (the POS). */
  adminPort?: number;
  /** Where a stand-in reads its estate from. */
  dataDir?: string;
  /** Where a stand-in writes: the journal of the writes it acknowledged, its PGlite folder. */
  journalDir?: string;
  pgliteDir?: string;
}

type Kind = 'gateway' | 'subgraph' | 'stand-in' | 'one-shot';

const ENTRY_POINTS: Record<string, { kind: Kind; configure?: (env: Env) => Listening }> = {
  'gateway/index.ts': { kind: 'gateway', configure: (env) => gatewayConfigFromEnv(env) },
  'subgraphs/catalogue/index.ts': { kind: 'subgraph', configure: (env) => catalogueSubgraphConfig(env) },
  // The crosswalk reads its secret in index.ts: its config module is shared with commands that serve nothing.
  'subgraphs/crosscanal/index.ts': {
    kind: 'subgraph',
    configure: (env) => {
      internalSecretFromEnv(env);
      return crosscanalConfig(env);
    },
  },
  'subgraphs/ecommerce/index.ts': { kind: 'subgraph', configure: (env) => ecommerceSubgraphConfig(env) },
  'subgraphs/loyalty/index.ts': { kind: 'subgraph', configure: (env) => loyaltySubgraphConfig(env) },
  'subgraphs/pos/index.ts': { kind: 'subgraph', configure: (env) => posSubgraphConfig(env) },
  'legacy/catalogue/index.ts': { kind: 'stand-in', configure: (env) => catalogueStandInConfig(env) },
  'legacy/ecommerce/index.ts': { kind: 'stand-in', configure: (env) => ecommerceStandInConfig(env) },
  'legacy/loyalty/index.ts': { kind: 'stand-in', configure: (env) => loyaltyStandInConfig(env) },
  'legacy/pos/index.ts': { kind: 'stand-in', configure: (env) => posStandInConfig(env) },
  'legacy/generator/cli.ts': { kind: 'one-shot' },
};

/** The repository's long-running entry points: the gateway, every subgraph, every stand-in. */
function entryPointsInRepository(): string[] {
  const found = ['gateway/index.ts'];
  for (const folder of ['subgraphs', 'legacy']) {
    for (const name of readdirSync(join(ROOT, folder))) {
      if (statSync(join(ROOT, folder, name)).isDirectory() && existsSync(join(ROOT, folder, name, 'index.ts'))) found.push(`${folder}/${name}/index.ts`);
    }
  }
  return found.sort();
}

/** The project's services: those built from the Dockerfile. */
const projectServices = Object.entries(services).filter(([, service]) => service.build !== undefined);

/** The script a project service runs, as its TypeScript source (`node gateway/index.js` → `gateway/index.ts`). */
function entryOf(service: Service): string {
  const command = commandOf(service);
  const script = command[0] === 'node' ? command[1] : /\bnode\s+(\S+\.js)\b/.exec(command.join(' '))?.[1];
  if (!script?.endsWith('.js')) throw new Error(`the command ${JSON.stringify(command)} runs no compiled module with node`);
  return script.replace(/\.js$/, '.ts');
}

const entryByService = new Map(projectServices.map(([name, service]) => [name, entryOf(service)]));

/** Where each service listens, from its own configuration module (project services) or its image (PostgreSQL, Redis). */
function listening(name: string): Listening {
  const service = services[name];
  if (!service) throw new Error(`no service ${name} in docker-compose.yml`);
  const entry = entryByService.get(name);
  if (entry !== undefined) {
    const configure = ENTRY_POINTS[entry]?.configure;
    if (!configure) throw new Error(`${name} runs ${entry}, which serves nothing`);
    const { host, port, adminPort, dataDir, journalDir, pgliteDir } = configure(environmentOf(service));
    return { host, port, adminPort, dataDir, journalDir, pgliteDir };
  }
  if (/^postgres:/.test(service.image ?? '')) return { host: '0.0.0.0', port: 5432 };
  if (/^redis:/.test(service.image ?? '')) return { host: '0.0.0.0', port: 6379 };
  throw new Error(`no known port for ${name} (${service.image})`);
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379 };

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  test('is valid against the Compose specification’s JSON schema (as the dclint package ships it)', () => {
    const require = createRequire(import.meta.url);
    const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    expect(schema.title).toBe('Compose Specification');
    // Ajv knows draft-07 by its http URI; the spec writes it with https.
    delete schema.$schema;
    // Not strict: the schema uses annotations Ajv's strict mode refuses (`deprecated`), as Compose's own validator ignores them.
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(valid ? [] : validate.errors!.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
    expect(raw.version).toBeUndefined();
  });

  test('every ${VARIABLE} it interpolates is in .env.example, and it refuses to start without the secret, the password and an issuer', () => {
    const values: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') values.push(value);
      else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(raw);
    const used = values.flatMap(interpolatedNames);
    expect(used.length).toBeGreaterThan(0);
    expect([...new Set(used.map((u) => u.name))].filter((name) => !(name in envExample))).toEqual([]);
    for (const name of ['CROSSCANAL_INTERNAL_SECRET', 'POSTGRES_PASSWORD', 'GATEWAY_JWT_ISSUER']) {
      expect(used.filter((u) => u.name === name).map((u) => u.op)).toContain(':?');
      expect(envExample[name]).toBe('');
    }
    expect(() => interpolateAll(raw, envExample)).toThrow(/CROSSCANAL_INTERNAL_SECRET|POSTGRES_PASSWORD|GATEWAY_JWT_ISSUER/);
  });

  test('runs every entry point of the repository, each from the one image, in the Dockerfile’s command form', () => {
    expect(Object.keys(ENTRY_POINTS).filter((entry) => ENTRY_POINTS[entry]!.kind !== 'one-shot').sort()).toEqual(entryPointsInRepository());
    const run = new Set(entryByService.values());
    expect(Object.keys(ENTRY_POINTS).filter((entry) => !run.has(entry))).toEqual([]);
    for (const [name, entry] of entryByService) {
      expect({ name, entry, exists: existsSync(join(ROOT, entry)), known: entry in ENTRY_POINTS }).toEqual({ name, entry, exists: true, known: true });
    }
    // One image: every project service builds the same context and tags the same image.
    const images = new Set(projectServices.map(([, service]) => JSON.stringify([service.image, service.build])));
    expect(images.size).toBe(1);
    const build = projectServices[0]![1].build!;
    expect(typeof build === 'string' ? build : build.context).toBe('.');
    // The Dockerfile compiles with tsc and runs node on JavaScript: so must every service.
    const cmd = finalStage.instructions.filter((i) => i.keyword === 'CMD').at(-1);
    expect(cmd).toBeDefined();
    const defaultCommand = JSON.parse(cmd!.args) as string[];
    expect(defaultCommand[0]).toBe('node');
    expect(existsSync(join(ROOT, defaultCommand[1]!.replace(/\.js$/, '.ts')))).toBe(true);
    for (const [name, service] of projectServices) {
      const command = commandOf(service).join(' ');
      expect({ name, tsx: /\btsx\b|\.ts\b/.test(command) }).toEqual({ name, tsx: false });
    }
  });

  test('gives each service only variables its code reads, and the ones it needs', () => {
    const configured = Object.keys(ENTRY_POINTS).filter((entry) => ENTRY_POINTS[entry]!.configure !== undefined);
    const reader = new EnvReader(configured);
    const readsByEntry = new Map(configured.map((entry) => [entry, reader.read(entry)]));
    // The extractor sees what the configuration modules are known to read.
    for (const [entry, name] of [
      ['gateway/index.ts', 'GATEWAY_PORT'],
      ['gateway/index.ts', 'CROSSCANAL_INTERNAL_SECRET'],
      ['subgraphs/loyalty/index.ts', 'SUBGRAPH_LOYALTY_HOST'],
      ['subgraphs/pos/index.ts', 'SUBGRAPH_POS_POOL_SIZE'],
      ['subgraphs/crosscanal/index.ts', 'CROSSCANAL_INTERNAL_SECRET'],
      ['legacy/pos/index.ts', 'LEGACY_POS_ADMIN_PORT'],
      ['legacy/pos/index.ts', 'LEGACY_POS_LATENCY_MS'],
    ] as const) {
      expect({ entry, name, read: readsByEntry.get(entry)!.names.has(name) }).toEqual({ entry, name, read: true });
    }
    expect(readsByEntry.get('gateway/index.ts')!.patterns.some((p) => p.test('SUBGRAPH_POS_URL'))).toBe(true);

    for (const [name, service] of projectServices) {
      const entry = entryByService.get(name)!;
      const reads = readsByEntry.get(entry) ?? { names: new Set<string>(), patterns: [] };
      const unread = Object.keys(environmentOf(service)).filter((variable) => !reads.names.has(variable) && !reads.patterns.some((p) => p.test(variable)));
      expect({ service: name, entry, unread }).toEqual({ service: name, entry, unread: [] });
    }

    for (const [name, service] of projectServices) {
      const entry = entryByService.get(name)!;
      const { kind } = ENTRY_POINTS[entry]!;
      const env = environmentOf(service);
      if (kind === 'gateway' || kind === 'subgraph') {
        expect({ service: name, secret: env.CROSSCANAL_INTERNAL_SECRET !== undefined }).toEqual({ service: name, secret: true });
      }
      if (kind === 'gateway') {
        expect(env.NODE_ENV).toBe('production');
        // Production refuses the development issuer: a real one, with its keys.
        expect(env.GATEWAY_DEV_ISSUER_DIR).toBeUndefined();
        expect(env.GATEWAY_JWT_ISSUER).toBeTruthy();
        expect('GATEWAY_JWKS_URL' in env || 'GATEWAY_JWKS' in env).toBe(true);
        for (const subgraph of SUBGRAPHS) expect(Object.keys(env)).toContain(`SUBGRAPH_${subgraph.name.toUpperCase()}_URL`);
      }
      // Each configuration module accepts what it is given, and listens where the rest of the network can reach it.
      const configure = ENTRY_POINTS[entry]!.configure;
      if (configure) {
        const { host } = configure(env);
        expect({ service: name, host }).toEqual({ service: name, host: '0.0.0.0' });
      }
    }
  }, 120_000);

  test('points every address at a service of the file, on the port that service listens on', () => {
    const postgres = Object.entries(services).find(([, service]) => /^postgres:16\b/.test(service.image ?? ''));
    const redis = Object.entries(services).find(([, service]) => /^redis:7\b/.test(service.image ?? ''));
    expect(postgres).toBeDefined();
    expect(redis).toBeDefined();
    const postgresEnv = environmentOf(postgres![1]);
    const rawEnvOf = (name: string) => environmentOf(raw.services[name]!);

    const checked: string[] = [];
    for (const [name, service] of projectServices) {
      const env = environmentOf(service);
      for (const [variable, value] of Object.entries(env)) {
        const match = /^(?:SUBGRAPH_([A-Z]+)_URL|LEGACY_([A-Z]+)_URL|(DATABASE_URL|POS_DATABASE_URL)|(REDIS_URL))$/.exec(variable);
        if (!match) continue;
        const url = new URL(value);
        const target = url.hostname;
        const where = `${name} ${variable}=${rawEnvOf(name)[variable]}`;
        expect({ where, defined: target in services }).toEqual({ where, defined: true });
        // The right kind of service: SUBGRAPH_POS_URL at the POS subgraph, LEGACY_POS_URL at the POS stand-in…
        const expected = match[1]
          ? `subgraphs/${match[1].toLowerCase()}/index.ts`
          : match[2]
            ? `legacy/${match[2].toLowerCase()}/index.ts`
            : match[3]
              ? postgres![0]
              : redis![0];
        expect({ where, target: entryByService.get(target) ?? target }).toEqual({ where, target: expected });
        const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port);
        expect({ where, port }).toEqual({ where, port: listening(target).port });
        expect({ where, dependsOn: target in dependenciesOf(service) }).toEqual({ where, dependsOn: true });
        if (url.protocol.startsWith('postgres')) {
          // PostgreSQL's own credentials, also through the POS stand-in, which passes them on.
          expect({ where, user: url.username, database: url.pathname.slice(1) }).toEqual({ where, user: postgresEnv.POSTGRES_USER, database: postgresEnv.POSTGRES_DB });
          expect({ where, password: new URL(rawEnvOf(name)[variable]!.replace(/\$\{[^}]*\}/g, 'x')).password }).toEqual({ where, password: 'x' });
          expect(rawEnvOf(name)[variable]).toContain(':${POSTGRES_PASSWORD}@');
        }
        checked.push(`${name}.${variable}`);
      }
    }
    // The gateway's five subgraphs, four legacy URLs of the crosswalk, one of each legacy subgraph, two databases, four caches.
    expect(checked.length).toBeGreaterThanOrEqual(16);
  });

  test('runs the gateway as two replicas or more behind the load balancer, which alone publishes a port', () => {
    const gateways = projectServices.filter(([name]) => entryByService.get(name) === 'gateway/index.ts');
    expect(gateways.length).toBeGreaterThan(0);
    const replicas = gateways.reduce((sum, [, service]) => sum + (service.deploy?.replicas ?? service.scale ?? 1), 0);
    expect(replicas).toBeGreaterThanOrEqual(2);
    for (const [name, service] of gateways) {
      expect({ name, ports: service.ports, containerName: service.container_name }).toEqual({ name, ports: undefined, containerName: undefined });
    }

    const balancers = Object.entries(services).filter(([, service]) => /^(nginx|haproxy):\S+$/.test(service.image ?? ''));
    expect(balancers.map(([name]) => name)).toHaveLength(1);
    const [balancerName, balancer] = balancers[0]!;
    expect(Object.entries(services).filter(([, service]) => service.ports !== undefined).map(([name]) => name)).toEqual([balancerName]);
    expect(balancer.ports).toHaveLength(1);
    const mounted = (balancer.volumes ?? []).map((volume) => (typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? ''))).filter((source) => source.startsWith('./'));
    expect(mounted).toHaveLength(1);
    const configFile = mounted[0]!.slice(2);
    expect(existsSync(join(ROOT, configFile))).toBe(true);
    const config = read(configFile).replace(/#.*$/gm, '');
    for (const [name] of gateways) {
      const { port } = listening(name);
      expect({ name, named: new RegExp(`\\bserver\\s+${name}:${port}\\b`).test(config) }).toEqual({ name, named: true });
      expect(Object.keys(dependenciesOf(balancer))).toContain(name);
    }
    expect(config).toMatch(/proxy_pass\s+http:\/\/gateway\b/);
  });

  test('has a health check on every long-running service, on /healthz or /readyz for the project’s own', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.restart === 'no') continue;
      const test = healthTest(service);
      expect({ name, healthcheck: test !== '' }).toEqual({ name, healthcheck: true });
      const entry = entryByService.get(name);
      const kind = entry === undefined ? undefined : ENTRY_POINTS[entry]!.kind;
      if (kind === 'gateway' || kind === 'subgraph') {
        expect({ name, test }).toEqual({ name, test: expect.stringMatching(new RegExp(`http://127\\.0\\.0\\.1:${listening(name).port}/(healthz|readyz)\\b`)) });
      } else if (kind === 'stand-in') {
        const { port, adminPort } = listening(name);
        expect({ name, test }).toEqual({ name, test: expect.stringContaining(`http://127.0.0.1:${adminPort ?? port}/__admin/calls`) });
      } else if (/^postgres:/.test(service.image ?? '')) {
        expect(test).toMatch(/\bpg_isready\b/);
      } else if (/^redis:/.test(service.image ?? '')) {
        expect(test).toMatch(/\bredis-cli\b.*\bping\b/);
      }
    }
  });

  test('generates the demo estate once, where the stand-ins read it, before they start', () => {
    const oneShots = projectServices.filter(([name]) => ENTRY_POINTS[entryByService.get(name)!]!.kind === 'one-shot');
    expect(oneShots).toHaveLength(1);
    const [generateName, generate] = oneShots[0]!;
    expect(generate.restart).toBe('no');
    const mountAt = (service: Service, target: string) =>
      (service.volumes ?? [])
        .map((volume) => (typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target, volume.read_only ? 'ro' : 'rw']))
        .find(([, at]) => at === target);
    const volumeAt = (service: Service, target: string) => mountAt(service, target)?.[0];
    const estateVolume = volumeAt(generate, `${workdir}/data`);
    expect(estateVolume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(estateVolume);
    const command = commandOf(generate).join(' ');
    for (const [name, service] of projectServices.filter(([n]) => ENTRY_POINTS[entryByService.get(n)!]!.kind === 'stand-in')) {
      const { dataDir, journalDir, pgliteDir } = listening(name);
      expect({ name, dataDir: dataDir?.startsWith('data/') }).toEqual({ name, dataDir: true });
      expect({ name, volume: volumeAt(service, `${workdir}/data`) }).toEqual({ name, volume: estateVolume });
      // Read-write for a stand-in that writes into the estate (its journal, its PGlite), read-only for the others.
      const writes = journalDir !== undefined || pgliteDir !== undefined;
      const readOnly = (mountAt(service, `${workdir}/data`)?.[2] ?? 'rw').split(',').includes('ro');
      expect({ name, writes, readOnly }).toEqual({ name, writes, readOnly: !writes });
      expect(command).toContain(`--out ${dataDir}`);
      expect(dependenciesOf(service)[generateName]).toBe('service_completed_successfully');
    }
  });

  test('writes no secret down: the internal secret, passwords and keys come from ${...}', () => {
    const interpolationOnly = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[?][^}]*|:?-)?\}$/;
    for (const [name, service] of Object.entries(raw.services)) {
      for (const [variable, value] of Object.entries(environmentOf(service))) {
        if (/SECRET|PASSWORD|PASSPHRASE|TOKEN|PRIVATE|_KEY$|JWKS$/.test(variable)) {
          expect({ name, variable, value }).toEqual({ name, variable, value: expect.stringMatching(interpolationOnly) });
        }
        // Credentials in a URL: the password part is interpolated too.
        const credentials = /^[a-z]+:\/\/[^/:@\s]+:([^@\s]*)@/.exec(value);
        if (credentials) expect({ name, variable, password: credentials[1] }).toEqual({ name, variable, password: expect.stringMatching(interpolationOnly) });
      }
    }
    // Every process that shares the internal secret gets the same one.
    const secrets = new Set(projectServices.map(([name]) => environmentOf(raw.services[name]!).CROSSCANAL_INTERNAL_SECRET).filter((v) => v !== undefined));
    expect(secrets.size).toBe(1);
    // Nothing that looks like a key or a token anywhere in the file: 32 characters or more of base64 or hex, letters and digits mixed.
    expect((rawText.match(/[A-Za-z0-9+/_=-]{32,}/g) ?? []).filter((run) => /[0-9]/.test(run) && /[A-Za-z]/.test(run))).toEqual([]);
  });

  test('lists only services that exist among its dependencies, and declares its named volumes', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(dependenciesOf(service))) expect({ name, dependency, defined: dependency in services }).toEqual({ name, dependency, defined: true });
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? '');
        if (!source.startsWith('.') && !source.startsWith('/')) expect({ name, source, declared: source in (compose.volumes ?? {}) }).toEqual({ name, source, declared: true });
      }
    }
  });
});

describe('Dockerfile', () => {
  test('builds in stages from a pinned Node 24 (active LTS) slim image, with npm ci on the lock file', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const aliases = new Set(stages.map((stage) => stage.name));
    for (const stage of stages.filter((s) => !aliases.has(s.base))) expect(stage.base).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim$/);
    const installs = stages.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)));
    expect(installs.length).toBeGreaterThan(0);
    expect(DOCKERFILE_TEXT).toMatch(/COPY package\.json package-lock\.json/);
    expect(DOCKERFILE_TEXT).not.toMatch(/\bnpm install\b/);
  });

  test('runs node on tsc’s output as a non-root user, with production dependencies only', () => {
    const user = finalStage.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(finalStage.instructions.map((i) => i.args).join('\n')).not.toMatch(/\btsx\b|\btsc\b|\btypescript\b/);
    expect(stages.some((stage) => stage.instructions.some((i) => i.keyword === 'RUN' && /\btsc\b/.test(i.args)))).toBe(true);
    // node_modules in the final image come from an install without dev dependencies.
    const copy = finalStage.instructions.find((i) => i.keyword === 'COPY' && /\bnode_modules\b/.test(i.args));
    const from = /--from=(\S+)/.exec(copy?.args ?? '')?.[1];
    const source = stages.find((stage) => stage.name === from);
    expect(source?.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(i.args))).toBe(true);
  });

  test('puts every kind of file the code reads at run time beside the compiled modules', () => {
    // Whatever is neither TypeScript nor documentation in the folders the image runs from is read at run time.
    const extensions = new Set<string>();
    const walk = (folder: string) => {
      for (const name of readdirSync(join(ROOT, folder))) {
        const path = join(folder, name);
        if (statSync(join(ROOT, path)).isDirectory()) walk(path);
        else if (!['.ts', '.md'].includes(extname(name))) extensions.add(extname(name));
      }
    };
    for (const folder of ['gateway', 'subgraphs', 'legacy', 'schema', 'utilities']) walk(folder);
    expect(extensions.size).toBeGreaterThan(0);
    for (const extension of extensions) expect({ extension, copied: DOCKERFILE_TEXT.includes(`'*${extension}'`) }).toEqual({ extension, copied: true });
  });

  test('runs on the same Node.js as CI tests on and the gateway benchmark measures, with NODE_ENV=production', () => {
    const images = new Set(stages.filter((s) => /^node:/.test(s.base)).map((s) => /^node:(\d+\.\d+\.\d+)-/.exec(s.base)?.[1]));
    expect(images.size).toBe(1);
    const [version] = [...images];
    expect(/ci_node="\$\{CI_NODE:-([^}]+)\}"/.exec(read('.ci/run'))?.[1]).toBe(version);
    const bench = JSON.parse(read('bench/gateway/package.json')) as { devDependencies: Record<string, string> };
    expect(bench.devDependencies.node).toBe(version);
    expect(finalStage.instructions.some((i) => i.keyword === 'ENV' && /^NODE_ENV=production$/.test(i.args))).toBe(true);
  });

  test('keeps local data and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const path of ['node_modules', 'data', '.env', '.git']) expect(ignored).toContain(path);
  });
});

describe('README, Operations', () => {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Operations\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = start === -1 ? '' : readme.slice(start, end === -1 ? undefined : end);

  test('follows Access, and says how to run, check and configure the deployment', () => {
    expect(start).toBeGreaterThan(readme.indexOf('\n## Access\n'));
    expect(readme.indexOf('\n## Access\n')).toBeGreaterThan(-1);
    expect(section).toContain('docker compose up');
    expect(section).toContain('/healthz');
    expect(section).toContain('/readyz');
    expect(section).toContain('(#access)');
    for (const volume of Object.keys(compose.volumes ?? {})) expect(section).toContain(`\`${volume}\``);
  });

  test('names exactly the services the compose file runs', () => {
    const named = [...section.matchAll(/^\|\s*`([a-z0-9._-]+)`/gm)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named).size).toBe(named.length);
    expect([...named].sort()).toEqual(Object.keys(services).sort());
  });
});
