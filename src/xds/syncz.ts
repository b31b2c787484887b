// istiod's debug type `istio.io/debug/syncz` served on the ADS stream: one envoy.service.status.v3.
// ClientConfig per connected proxy with each xDS type's ConfigStatus (SYNCED when the last nonce sent
// was acked, NOT_SENT when nothing was sent, STALE otherwise), which `istioctl proxy-status` reads
// (istio/istio pilot/pkg/xds/statusgen.go debugSyncz, debugSyncStatus). A NACK's error rides in
// error_state.details.
import { randomUUID } from 'node:crypto';
import type { TypeWatch, XdsConnection } from './ads-server.js';
import { struct } from './generate/values.js';
import { encodeAny, TYPE, TYPE_PREFIX, type ProtoObject } from './protos.js';

export const DEBUG_SYNCZ = 'istio.io/debug/syncz';
export const CLIENT_CONFIG = `${TYPE_PREFIX}envoy.service.status.v3.ClientConfig`;
/** ECDS is listed as istiod lists it; Switchyard serves no extension configs, so it stays NOT_SENT. */
export const ECDS_TYPE = `${TYPE_PREFIX}envoy.config.core.v3.TypedExtensionConfig`;
const SYNCZ_TYPES = [TYPE.cluster, TYPE.listener, TYPE.endpoint, TYPE.route, ECDS_TYPE];

export function syncStatus(w: TypeWatch | undefined): 'SYNCED' | 'NOT_SENT' | 'STALE' {
  if (!w || w.nonceSent === '') return 'NOT_SENT';
  return w.nonceAcked === w.nonceSent ? 'SYNCED' : 'STALE';
}

export function clientConfig(c: XdsConnection): ProtoObject {
  return {
    '@type': CLIENT_CONFIG,
    node: {
      id: c.node.proxyName,
      // istioctl reads CLUSTER_ID, NAMESPACE and ISTIO_VERSION from here (model.ParseMetadata).
      metadata: struct({
        CLUSTER_ID: stringMeta(c.node.metadata.CLUSTER_ID) || 'Kubernetes',
        NAMESPACE: c.node.namespace,
        ISTIO_VERSION: stringMeta(c.node.metadata.ISTIO_VERSION),
        GENERATOR: c.node.generator,
      }),
    },
    generic_xds_configs: SYNCZ_TYPES.map((type) => {
      const w = c.watches.get(type);
      return {
        type_url: type,
        config_status: syncStatus(w),
        ...(w?.versionAcked ? { version_info: w.versionAcked } : {}),
        ...(w?.nack
          ? { error_state: { details: w.nack.message, version_info: w.versionSent } }
          : {}),
      };
    }),
  };
}

function stringMeta(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The control plane's identity in responses (istioctl's ISTIOD column, DiscoveryResponse.control_plane). */
export const CONTROL_PLANE_ID = 'switchyard';

/** The DiscoveryResponse answering a syncz request. */
export function syncz(conns: readonly XdsConnection[], typeUrl: string): Record<string, unknown> {
  return {
    version_info: '',
    type_url: typeUrl,
    nonce: randomUUID(),
    control_plane: { identifier: CONTROL_PLANE_ID },
    resources: conns.map((c) => {
      const any = encodeAny(clientConfig(c));
      return { type_url: any.type_url, value: any.value };
    }),
  };
}
