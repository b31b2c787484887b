// An Envoy bootstrap that points an Envoy at this control plane, shaped like istio-agent's
// (istio/istio tools/packaging/common/envoy_bootstrap.json): node id `<type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`,
// ADS over the static cluster `xds-grpc` (HTTP/2, plaintext here as istiod's 15010), SDS over `sds-grpc`
// (the same address), CDS and LDS from ADS, the admin interface on 127.0.0.1:15000.
import type { ProxyIdentity } from '../compile/index.js';
import { parsePort, splitAuthority } from '../units/index.js';
import { duration, socketAddress, struct } from './generate/values.js';
import { TYPE, TYPE_PREFIX, type ProtoObject } from './protos.js';

export const BOOTSTRAP_TYPE = `${TYPE_PREFIX}envoy.config.bootstrap.v3.Bootstrap`;

export function nodeId(p: ProxyIdentity): string {
  return `${p.kind}~${p.ip}~${p.id}~${p.namespace}.svc.cluster.local`;
}

/** A static HTTP/2 cluster to the control plane, as istio-agent's bootstrap defines `xds-grpc`. */
function grpcCluster(name: string, host: string, port: number): ProtoObject {
  return {
    name,
    type: 'STATIC',
    connect_timeout: duration(1000),
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(host, port) } }] }],
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': TYPE.httpProtocolOptions,
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
}

export function envoyBootstrap(p: ProxyIdentity, xdsAddress: string): ProtoObject {
  const at = splitAuthority(xdsAddress);
  const host = at.host || '127.0.0.1';
  const port = (at.port !== undefined ? parsePort(at.port) : undefined) ?? 15010;
  return {
    '@type': BOOTSTRAP_TYPE,
    node: {
      id: nodeId(p),
      cluster: `${p.labels.app ?? p.id.split('.')[0] ?? ''}.${p.namespace}`,
      metadata: struct({
        NAMESPACE: p.namespace,
        LABELS: p.labels,
        SERVICE_ACCOUNT: p.serviceAccount,
        CLUSTER_ID: 'Kubernetes',
        ...(p.kind === 'router' ? {} : { INTERCEPTION_MODE: 'REDIRECT' }),
      }),
    },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
      },
      cds_config: { ads: {}, initial_fetch_timeout: { seconds: 0 }, resource_api_version: 'V3' },
      lds_config: { ads: {}, initial_fetch_timeout: { seconds: 0 }, resource_api_version: 'V3' },
    },
    // istio-agent serves SDS on a unix socket beside Envoy; here the control plane serves
    // SecretDiscoveryService on the xDS port, so `sds-grpc` points at the same address.
    static_resources: {
      clusters: [grpcCluster('xds-grpc', host, port), grpcCluster('sds-grpc', host, port)],
    },
    admin: { address: socketAddress('127.0.0.1', 15000) },
  };
}
