// A workload's identity as Istio's telemetry sees it (the node metadata Istio's metadata exchange
// carries: WORKLOAD_NAME, NAMESPACE, LABELS, CLUSTER_ID, SERVICE_ACCOUNT), and its header encoding.
// istio/proxy: the client sidecar sends `x-envoy-peer-metadata` (base64 protobuf Struct) and
// `x-envoy-peer-metadata-id`; Switchyard sends the same keys as base64 JSON.
import type { ProxyIdentity } from '../model/index.js';

export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';
export const PEER_METADATA_ID_HEADER = 'x-envoy-peer-metadata-id';
/** Istio's default CLUSTER_ID (values.global.multiCluster.clusterName defaults to "Kubernetes"). */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

export interface PeerMetadata {
  /** Deployment name (`reviews-v2`); Istio's WORKLOAD_NAME. */
  workload: string;
  namespace: string;
  /** `app` label, '' when absent. */
  app: string;
  /** `version` label, '' when absent. */
  version: string;
  canonicalService: string;
  canonicalRevision: string;
  cluster: string;
  serviceAccount: string;
}

/**
 * Canonical service and revision, as Istio derives them from pod labels
 * (istio/istio pkg/config/labels/instance.go CanonicalService): `service.istio.io/canonical-name`,
 * `app.kubernetes.io/name`, `app`, else the workload name; revision `service.istio.io/canonical-revision`,
 * `app.kubernetes.io/version`, `version`, else `latest`.
 */
export function peerFromLabels(
  workload: string,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  serviceAccount = 'default',
  cluster = DEFAULT_CLUSTER_ID,
): PeerMetadata {
  return {
    workload,
    namespace,
    app: labels['app'] ?? '',
    version: labels['version'] ?? '',
    canonicalService:
      labels['service.istio.io/canonical-name'] ??
      labels['app.kubernetes.io/name'] ??
      labels['app'] ??
      workload,
    canonicalRevision:
      labels['service.istio.io/canonical-revision'] ??
      labels['app.kubernetes.io/version'] ??
      labels['version'] ??
      'latest',
    cluster,
    serviceAccount,
  };
}

/** A proxy's own metadata; `workload` is its Deployment name (the pod name without its index). */
export function peerFromIdentity(identity: ProxyIdentity, workload?: string): PeerMetadata {
  const pod = identity.id.split('.')[0] ?? identity.id;
  return peerFromLabels(
    workload ?? workloadOfPod(pod),
    identity.namespace,
    identity.labels,
    identity.serviceAccount,
  );
}

/** `reviews-v2-0` -> `reviews-v2` (the runner names pods `<deployment>-<index>`). */
export function workloadOfPod(pod: string): string {
  const m = /^(.+)-\d+$/.exec(pod);
  return m?.[1] ?? pod;
}

/** The two headers the client side adds, computed once per proxy. */
export function peerHeaders(peer: PeerMetadata, proxyId: string, kind: 'sidecar' | 'router') {
  const labels: Record<string, string> = {};
  if (peer.app) labels['app'] = peer.app;
  if (peer.version) labels['version'] = peer.version;
  labels['service.istio.io/canonical-name'] = peer.canonicalService;
  labels['service.istio.io/canonical-revision'] = peer.canonicalRevision;
  const value = Buffer.from(
    JSON.stringify({
      WORKLOAD_NAME: peer.workload,
      NAMESPACE: peer.namespace,
      LABELS: labels,
      CLUSTER_ID: peer.cluster,
      SERVICE_ACCOUNT: peer.serviceAccount,
    }),
  ).toString('base64');
  // Envoy node id: `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local`.
  const id = `${kind}~127.0.0.1~${proxyId}~${peer.namespace}.svc.cluster.local`;
  return [
    [PEER_METADATA_HEADER, value],
    [PEER_METADATA_ID_HEADER, id],
  ] as const;
}

const decoded = new Map<string, PeerMetadata | undefined>();

/** Decodes a peer header (cached: a mesh has few distinct peers); undefined when unreadable. */
export function decodePeer(value: string | undefined): PeerMetadata | undefined {
  if (!value) return undefined;
  if (decoded.has(value)) return decoded.get(value);
  let peer: PeerMetadata | undefined;
  try {
    const o = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as {
      WORKLOAD_NAME?: unknown;
      NAMESPACE?: unknown;
      LABELS?: Record<string, string>;
      CLUSTER_ID?: unknown;
      SERVICE_ACCOUNT?: unknown;
    };
    if (typeof o.WORKLOAD_NAME === 'string' && typeof o.NAMESPACE === 'string') {
      peer = peerFromLabels(
        o.WORKLOAD_NAME,
        o.NAMESPACE,
        o.LABELS && typeof o.LABELS === 'object' ? o.LABELS : {},
        typeof o.SERVICE_ACCOUNT === 'string' ? o.SERVICE_ACCOUNT : 'default',
        typeof o.CLUSTER_ID === 'string' ? o.CLUSTER_ID : DEFAULT_CLUSTER_ID,
      );
    }
  } catch {
    peer = undefined;
  }
  if (decoded.size > 1000) decoded.clear();
  decoded.set(value, peer);
  return peer;
}
