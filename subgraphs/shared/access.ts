import { readFileSync } from 'node:fs';
import {
  defaultFieldResolver,
  GraphQLError,
  isObjectType,
  Kind,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  parse,
} from 'graphql';
import { accessDenied, ANONYMOUS, type Principal } from './principal.js';

/**
 * Access declared in the schema. `@access(roles: [...])` on a field, or on a type for all of
 * its fields that do not say otherwise, lists the roles that may read it (`public`: anyone,
 * signed in or not; `admin` may read everything). A field with neither is refused to all but
 * `admin`: a new field is closed until someone decides who sees it. `@contact(channel:)` marks a
 * field that reveals a contact point: for `marketing` it resolves only where the customer
 * consented to marketing on that channel. Both directives are composed into the supergraph
 * (`@composeDirective`), so the gateway reads the same declarations as the subgraphs.
 */
export interface AccessRule {
  roles: ReadonlySet<string>;
}

export interface AccessPolicy {
  /** The rule in force for `Type.field`; undefined when none is declared. */
  rule(typeName: string, fieldName: string): AccessRule | undefined;
  /** `Type.field` → the channel its `@contact` names. */
  readonly contacts: ReadonlyMap<string, string>;
}

export const PUBLIC = 'public';

/** The `@link`, `@composeDirective` and definitions of `@access` and `@contact`, kept once for every subgraph. */
const ACCESS_SDL = readFileSync(new URL('./access.graphql', import.meta.url), 'utf8');

/** Shared definitions a subgraph's SDL asks for with a line `# import "promotion.graphql"`, read from this folder. */
const SHARED_IMPORT = /^#\s*import\s+"([\w-]+\.graphql)"\s*$/gm;

/**
 * A subgraph's SDL with the access directives' definitions added, and the shared
 * definitions it imports, as the subgraph serves it and the composition reads it.
 */
export function withAccessDirectives(sdl: string): DocumentNode {
  const imported = [...new Set([...sdl.matchAll(SHARED_IMPORT)].map((m) => m[1]!))].map((file) =>
    readFileSync(new URL(`./${file}`, import.meta.url), 'utf8'),
  );
  return parse([sdl.trimEnd(), ...imported, ACCESS_SDL].join('\n\n'));
}

const DIRECTIVE_ACCESS = 'access';
const DIRECTIVE_CONTACT = 'contact';

function stringList(directive: ConstDirectiveNode, argument: string): string[] {
  const value = directive.arguments?.find((a) => a.name.value === argument)?.value;
  if (!value) return [];
  if (value.kind === Kind.STRING) return [value.value];
  if (value.kind === Kind.LIST) return value.values.flatMap((v) => (v.kind === Kind.STRING || v.kind === Kind.ENUM ? [v.value] : []));
  return value.kind === Kind.ENUM ? [value.value] : [];
}

function accessOf(directives: readonly ConstDirectiveNode[] | undefined): AccessRule | undefined {
  const found = directives?.filter((d) => d.name.value === DIRECTIVE_ACCESS) ?? [];
  if (found.length === 0) return undefined;
  // A type declared in several subgraphs may carry one @access each: the roles any grants.
  return { roles: new Set(found.flatMap((d) => stringList(d, 'roles'))) };
}

function union(a: AccessRule | undefined, b: AccessRule | undefined): AccessRule | undefined {
  if (!a) return b;
  if (!b) return a;
  return { roles: new Set([...a.roles, ...b.roles]) };
}

/** Reads `@access` and `@contact` from a subgraph's SDL or from the supergraph. */
export function readAccessPolicy(document: DocumentNode): AccessPolicy {
  const typeRules = new Map<string, AccessRule>();
  const fieldRules = new Map<string, AccessRule>();
  const contacts = new Map<string, string>();
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
    ) {
      continue;
    }
    const typeName = definition.name.value;
    const typeRule = union(typeRules.get(typeName), accessOf(definition.directives));
    if (typeRule) typeRules.set(typeName, typeRule);
    for (const field of definition.fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      const rule = union(fieldRules.get(coordinate), accessOf(field.directives));
      if (rule) fieldRules.set(coordinate, rule);
      const contact = field.directives?.find((d) => d.name.value === DIRECTIVE_CONTACT);
      if (contact) contacts.set(coordinate, stringList(contact, 'channel')[0] ?? 'UNKNOWN');
    }
  }
  return {
    rule: (typeName, fieldName) => fieldRules.get(`${typeName}.${fieldName}`) ?? typeRules.get(typeName),
    contacts,
  };
}

/** Whether `principal` may read a field under `rule` (no rule: admin only). Reads the role alone: the gateway remembers its answers by role. */
export function allows(rule: AccessRule | undefined, principal: Principal): boolean {
  if (principal.role === 'admin') return true;
  if (!rule) return false;
  return rule.roles.has(PUBLIC) || rule.roles.has(principal.role);
}

/** The roles a rule names, for messages. */
export function describeRule(rule: AccessRule | undefined): string {
  if (!rule) return 'the admin role (no @access is declared)';
  return `one of the roles ${[...rule.roles].filter((r) => r !== PUBLIC).join(', ') || 'public'}`;
}

/** Answers whether the customer behind `parent` consented to marketing on `channel`. */
export type ConsentCheck<TContext> = (parent: unknown, channel: string, context: TContext) => Promise<boolean> | boolean;

/**
 * The type whose every field a `customer` principal reads only for themselves: the golden
 * customer, whichever subgraph resolves the field (the parent's `id` must be the token's).
 */
const SELF_TYPE = 'Customer';

/** What a field resolver sees of the request: who acts. */
export function principalOf(context: unknown): Principal {
  return (context as { principal?: Principal } | undefined)?.principal ?? ANONYMOUS;
}

/**
 * Wraps every field of `schema` that its policy does not make public in a check of the
 * request's principal, and every `@contact` field in the consent check for `marketing`. The
 * gateway refuses such operations before planning; this is the second check, in the subgraph
 * that owns the data, for whatever reaches it by another path. Federation's own fields
 * (`_entities`, `_service`) are left alone: an entity's fields carry their own checks. Every
 * field of `Customer` checks, for a customer principal, that the customer is the token's.
 */
export function enforceAccess<TContext>(schema: GraphQLSchema, policy: AccessPolicy, consent?: ConsentCheck<TContext>): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('_')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.name.startsWith('_')) continue;
      const rule = policy.rule(type.name, field.name);
      const channel = policy.contacts.get(`${type.name}.${field.name}`);
      const resolve: GraphQLFieldResolver<unknown, TContext> = field.resolve ?? defaultFieldResolver;
      let wrapped = resolve;
      if (channel !== undefined) {
        if (!consent) throw new Error(`${type.name}.${field.name} is a @contact field, but the subgraph gives no consent check`);
        const inner = wrapped;
        wrapped = async (parent, args, context, info) => {
          if (principalOf(context).role === 'marketing' && !(await consent(parent, channel, context))) {
            throw new GraphQLError(`${type.name}.${field.name} reveals a contact point: marketing sees it only with the customer's ${channel} marketing consent`, {
              extensions: { code: 'CONSENT_REQUIRED', channel },
            });
          }
          return inner(parent, args, context, info);
        };
      }
      if (type.name === SELF_TYPE) {
        const inner = wrapped;
        wrapped = (parent, args, context, info) => {
          const principal = principalOf(context);
          const id = (parent as { id?: unknown } | null)?.id;
          if (principal.role === 'customer' && id !== principal.customerId) {
            throw accessDenied(principal, `a customer token reads its own customer only, not ${JSON.stringify(id)}`);
          }
          return inner(parent, args, context, info);
        };
      }
      if (!rule?.roles.has(PUBLIC)) {
        const inner = wrapped;
        const coordinate = `${type.name}.${field.name}`;
        wrapped = (parent, args, context, info) => {
          const principal = principalOf(context);
          if (!allows(rule, principal)) throw accessDenied(principal, `${coordinate} needs ${describeRule(rule)}; the request acts as ${principal.role}`);
          return inner(parent, args, context, info);
        };
      }
      field.resolve = wrapped as typeof field.resolve;
    }
  }
  return schema;
}
