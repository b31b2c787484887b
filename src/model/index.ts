// Types every stage shares (config -> registry -> compile -> proxy; telemetry, mesh), below them all.
export type { ProxyKind, ProxyIdentity } from './proxy-identity.js';
export type { Protocol } from './protocol.js';
export type { Endpoint } from './endpoint.js';
