// Types every stage shares (config -> registry -> compile -> proxy; telemetry, mesh), below them all.
export type { ProxyKind, ProxyIdentity } from './proxy-identity.js';
export type { Protocol } from './protocol.js';
export type { Endpoint } from './endpoint.js';
export type {
  PodContainerView,
  PodLogLine,
  PodLookupFailure,
  PodPhase,
  PodRuntime,
  PodView,
} from './pod-runtime.js';
export { isPodLookupFailure } from './pod-runtime.js';
