// A preload (`node --import ./netMonitor.mjs …`) that records every outgoing connection
// attempt and name lookup of the process, one JSON line each, to the file named by
// NET_MONITOR_LOG. It watches; it never changes what the process does: each hook records,
// then calls the original with the same arguments. Records are appended synchronously, so
// that an attempt made just before the process exits is not lost.
//
// A record: { pid, kind, host?, port?, path?, family? } with kind one of
//   connect  a TCP or unix-socket connection (net, http, https, tls, undici/fetch)
//   lookup   a name resolution through the system resolver (dns.lookup)
//   resolve  a DNS query (dns.resolve*, dns.Resolver, dns.promises)
//   udp      a datagram sent or a datagram socket connected
import { appendFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';

const file = process.env.NET_MONITOR_LOG;

function record(entry) {
  if (!file) return;
  const clean = Object.fromEntries(Object.entries({ pid: process.pid, ...entry }).filter(([, value]) => value !== undefined));
  try {
    appendFileSync(file, `${JSON.stringify(clean)}\n`);
  } catch {
    // A monitor that cannot write must not break the process it watches.
  }
}

/** Where a `connect` call goes, whichever of its signatures it was called with. */
function target(args) {
  // `net.connect(…)` and `http` call `socket.connect` with the arguments already normalised
  // into one array `[options, callback]`.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === 'object') {
    // http agents pass `path: null` for a TCP connection: net takes any truthy path as a unix socket.
    if (first.path) return { path: String(first.path) };
    return { host: first.host ?? 'localhost', port: first.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { path: first };
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: first };
}

// Every TCP and unix-socket client connection ends in Socket#connect: net.connect, http(s)
// agents, undici (global fetch) and tls.connect (a TLSSocket is a net.Socket) all call it.
const socketConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  record({ kind: 'connect', ...target(args) });
  return socketConnect.apply(this, args);
};

// tls.connect over an existing `socket` (a proxy tunnel) does not call Socket#connect again;
// record where it says it is going, so a TLS session to somewhere is never missed.
const tlsConnect = tls.connect;
tls.connect = function connect(...args) {
  const options = args.find((arg) => arg !== null && typeof arg === 'object');
  if (options?.socket) record({ kind: 'connect', host: options.host ?? options.servername, port: options.port, via: 'existing socket' });
  return tlsConnect.apply(this, args);
};

// Names are resolved before anything connects, and a lookup alone already leaks a name to a
// DNS server: net resolves host names through dns.lookup (read from the module at call time).
const lookup = dns.lookup;
dns.lookup = function monitoredLookup(hostname, ...rest) {
  record({ kind: 'lookup', host: hostname });
  return lookup.call(this, hostname, ...rest);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function monitoredLookup(hostname, ...rest) {
  record({ kind: 'lookup', host: hostname });
  return promisesLookup.call(this, hostname, ...rest);
};

// DNS queries proper: the module-level functions are bound to a default resolver when dns
// loads, so they and the Resolver prototypes (for resolvers made later) are wrapped apart.
const RESOLVE_METHODS = ['resolve', 'resolveAny', 'resolve4', 'resolve6', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse'];
function wrapResolvers(target) {
  for (const method of RESOLVE_METHODS) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = function monitoredResolve(hostname, ...rest) {
      record({ kind: 'resolve', host: hostname, method });
      return original.call(this, hostname, ...rest);
    };
  }
}
wrapResolvers(dns);
wrapResolvers(dns.promises);
wrapResolvers(dns.Resolver.prototype);
wrapResolvers(dns.promises.Resolver.prototype);

// UDP sends nothing through net: a datagram to a DNS server, a metrics agent or a syslog is
// recorded where it is sent (or where its socket is connected).
const udpConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function connect(port, address, ...rest) {
  record({ kind: 'udp', host: typeof address === 'string' ? address : 'localhost', port });
  return udpConnect.call(this, port, address, ...rest);
};
const udpSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function send(message, ...rest) {
  // send(msg[, offset, length][, port][, address][, callback]); a connected socket gives no port.
  const numbers = rest.filter((arg) => typeof arg === 'number');
  const port = numbers.length === 1 ? numbers[0] : numbers.length >= 3 ? numbers[2] : undefined;
  const address = rest.find((arg) => typeof arg === 'string');
  if (port !== undefined) record({ kind: 'udp', host: address ?? 'localhost', port });
  return udpSend.call(this, message, ...rest);
};

// ES modules that import these functions by name (`import { lookup } from 'node:dns'`) see
// the wrapped ones only once the builtins' named exports are synced.
syncBuiltinESMExports();
