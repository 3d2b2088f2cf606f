import { ApiError } from './apiError.js';
import { API_BASE, ROUTES, type Route } from './routes.js';

export type RouteMatch =
  | { route: Route; path: Record<string, string> }
  /** The path exists, but not for this method. */
  | { allowed: string[] };

const compiled = ROUTES.map((route) => ({ route, segments: route.path.split('/').slice(1) }));

/** Finds the route for a request path, or undefined when the platform has no such resource. */
export function findRoute(method: string, pathname: string): RouteMatch | undefined {
  if (!pathname.startsWith(`${API_BASE}/`)) return undefined;
  const segments = pathname.slice(API_BASE.length + 1).split('/');
  const allowed: string[] = [];
  for (const { route, segments: pattern } of compiled) {
    const path = matchSegments(pattern, segments);
    if (!path) continue;
    if (route.method === method) return { route, path };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const path: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const actual = segments[index]!;
    if (expected.startsWith(':')) {
      if (actual === '') return undefined;
      path[expected.slice(1)] = decodeSegment(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return path;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError('bad_request', `path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}
