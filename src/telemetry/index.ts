// Istio's standard metrics and the live service graph: the telemetry part's public face.
export { IstioStats, renderFamilies, serviceParts } from './istio-stats.js';
export type { HttpSeries, IstioStatsOptions, Reporter, TcpSeries } from './istio-stats.js';
export { BUCKETS, HTTP_LABELS, HTTP_METRICS, TCP_LABELS, TCP_METRICS } from './metrics.js';
export {
  decodePeer,
  peerFromIdentity,
  peerFromLabels,
  peerHeaders,
  PEER_METADATA_HEADER,
  PEER_METADATA_ID_HEADER,
  type PeerMetadata,
} from './peer-metadata.js';
export {
  GraphTracker,
  kialiHealth,
  type GraphEdge,
  type GraphJson,
  type GraphNode,
  type Health,
} from './graph.js';
export { trafficConfigOf, type BadgeKind, type ServiceTrafficConfig } from './graph-config.js';
export { MeshTelemetry } from './mesh-telemetry.js';
export { graphPagePath, PROMETHEUS_CONTENT_TYPE, registerTelemetryRoutes } from './routes.js';
