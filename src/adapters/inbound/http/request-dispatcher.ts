import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** A route of the device protocol, which the device adapter answers whole. */
export interface DeviceRoute {
  readonly name: 'device-check' | 'file-download';
  /** The route pattern, as the metrics label it and the OpenAPI document describes it. */
  readonly route: string;
  readonly methods: readonly string[];
  /**
   * Matches the path (without query); group 1 is the raw, still percent-escaped parameter. As
   * the operator adapter's router matches its own routes: case-insensitive, an optional trailing
   * slash after a device id (a file path keeps its slash, which its validation refuses).
   */
  readonly path: RegExp;
}

/**
 * The dispatch table. A request whose method and path fit a row goes to the device adapter;
 * every other request (other methods on the same paths included) goes to the operator adapter.
 */
export const DEVICE_ROUTES: readonly DeviceRoute[] = [
  { name: 'device-check', route: '/devices/:id', methods: ['GET', 'HEAD'], path: /^\/devices\/([^/]+)\/?$/i },
  { name: 'file-download', route: '/files/*path', methods: ['GET', 'HEAD'], path: /^\/files\/(.+)$/i },
];

/** A request the device adapter takes, with what the dispatcher read from its URL. */
export interface DeviceTarget {
  readonly route: DeviceRoute;
  /** The path as sent (percent-escapes kept), without query or fragment: what the log shows. */
  readonly path: string;
  /** The route's parameter as sent, percent-escapes kept. */
  readonly param: string;
  /** The raw query string, without the `?`. */
  readonly query: string;
}

// An absolute-form request target (`GET https://host/devices/...`), which HTTP/1.1 servers must
// accept: the path starts after the authority.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/** The path and query of a request target; undefined for a target with no path (`*`). */
function splitTarget(url: string): { path: string; query: string } | undefined {
  let target = url;
  if (!target.startsWith('/')) {
    const authority = ABSOLUTE_FORM.exec(target);
    if (authority === null) return undefined;
    target = target.slice(authority[0].length) || '/';
  }
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const question = target.indexOf('?');
  return question < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, question), query: target.slice(question + 1) };
}

function matchingRoute(path: string): { route: DeviceRoute; param: string } | undefined {
  for (const route of DEVICE_ROUTES) {
    const match = route.path.exec(path);
    if (match !== null) return { route, param: match[1] ?? '' };
  }
  return undefined;
}

/** The device route a request goes to, or undefined when it is the operator adapter's. */
export function deviceTarget(method: string | undefined, url: string): DeviceTarget | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const split = splitTarget(url);
  if (split === undefined) return undefined;
  const matched = matchingRoute(split.path);
  return matched === undefined
    ? undefined
    : { route: matched.route, path: split.path, param: matched.param, query: split.query };
}

/**
 * The methods the device adapter answers at a URL's path (none for a path it has no route for),
 * for the operator adapter's `Allow` on a wrong method or an OPTIONS.
 */
export function deviceMethodsAt(url: string): readonly string[] {
  const split = splitTarget(url);
  return split === undefined ? [] : (matchingRoute(split.path)?.route.methods ?? []);
}

/** Answers a request the dispatcher gave the device adapter. */
export type DeviceRequestListener = (req: IncomingMessage, res: ServerResponse, target: DeviceTarget) => void;

/**
 * The one Node request listener of the HTTPS server: it decides once, from the method and the
 * path, which adapter answers, and hands the request to that one alone.
 */
export function dispatchRequests(device: DeviceRequestListener, operator: RequestListener): RequestListener {
  return (req, res) => {
    const target = deviceTarget(req.method, req.url ?? '');
    if (target === undefined) operator(req, res);
    else device(req, res, target);
  };
}
