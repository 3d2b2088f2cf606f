import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode } from 'graphql';
import { allows, describeRule, type AccessPolicy } from '../subgraphs/shared/access.js';
import type { Principal } from '../subgraphs/shared/principal.js';
import { analyseOperationRemembered, checkOperationLimits, type CostDirectives, type OperationLimits, type OperationShape } from './operationLimits.js';

/** What the access plugin needs of the gateway's context. */
export interface AccessContext {
  principal: Principal;
  /** The operation as the HTTP layer measured it, within limits; absent when it had no text to measure (an APQ hit). */
  shape?: OperationShape;
}

/** Coordinates listed in a refusal; the rest are counted. */
const LISTED = 5;

/** The fields of a measured operation that a principal may not read, each with the roles it needs. */
export type AccessDecider = (shape: OperationShape, principal: Principal) => readonly string[];

/**
 * What `policy` denies a principal in an operation. A rule reads the role alone, so what an
 * operation's fields deny a role is worked out once per measured operation and remembered.
 */
export function accessDecider(policy: AccessPolicy): AccessDecider {
  const deniedByShape = new WeakMap<OperationShape, Map<string, string[]>>();
  return (shape, principal) => {
    let byRole = deniedByShape.get(shape);
    if (!byRole) deniedByShape.set(shape, (byRole = new Map()));
    let denied = byRole.get(principal.role);
    if (!denied) {
      denied = [];
      for (const coordinate of shape.coordinates) {
        const [typeName, fieldName] = coordinate.split('.') as [string, string];
        if (fieldName.startsWith('__')) continue;
        const rule = policy.rule(typeName, fieldName);
        if (!allows(rule, principal)) denied.push(`${coordinate} (${describeRule(rule)})`);
      }
      byRole.set(principal.role, denied);
    }
    return denied;
  };
}

/**
 * Checks the operation against the supergraph's `@access` before it is planned: an operation
 * that selects a field the principal's role may not read is refused as a whole (FORBIDDEN, or
 * UNAUTHENTICATED without a token), naming the fields and the roles they need. The owning
 * subgraphs check again, and filter rows by scope (a partner's franchise, a customer's self).
 *
 * The HTTP layer has measured (and limited) every operation it got as text: its measure is
 * reused. An operation found by its id in the automatic persisted query cache arrives here
 * unmeasured, so it is measured and its limits checked here.
 */
export function useAccessPolicy<TContext extends AccessContext>({
  policy,
  costDirectives,
  limits,
}: {
  policy: AccessPolicy;
  costDirectives: CostDirectives;
  limits: OperationLimits;
}): ApolloServerPlugin<TContext> {
  const deniedTo = accessDecider(policy);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, schema, request, operationName }) {
          let shape = contextValue.shape;
          if (!shape) {
            shape = analyseOperationRemembered(schema, document as DocumentNode, {
              operationName,
              variables: request.variables ?? null,
              costDirectives,
              defaultListSize: limits.defaultListSize,
            }) ?? undefined;
            if (!shape) return;
            const [first] = checkOperationLimits(shape, limits);
            if (first) throw new GraphQLError(first.message, { extensions: { ...first.extensions, http: { status: 400 } } });
          }
          const { principal } = contextValue;
          const denied = deniedTo(shape, principal);
          if (denied.length === 0) return;
          const listed = denied.slice(0, LISTED).join('; ');
          const more = denied.length > LISTED ? ` and ${denied.length - LISTED} more` : '';
          if (principal.role === 'anonymous') {
            throw new GraphQLError(`sign in to read these fields: send a bearer token. ${listed}${more}`, {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
          }
          throw new GraphQLError(`the ${principal.role} role may not read ${listed}${more}`, {
            extensions: { code: 'FORBIDDEN', role: principal.role, http: { status: 403 } },
          });
        },
      };
    },
  };
}
