// Istio MeshConfig: the few settings Switchyard honours, from a plain MeshConfig YAML file
// (istioctl --meshConfigFile) or the `istio` ConfigMap in istio-system whose `mesh` key holds it.
// Defaults from istio/istio pkg/config/mesh/mesh.go DefaultMeshConfig.
import { parse as parseYaml } from 'yaml';
import type { HTTPRetry, LocalityLoadBalancerSetting } from './istio-types.js';
import type { Resource } from './types.js';

export interface MeshConfig {
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY' };
  /** Empty = access log off (Istio's default); `/dev/stdout` or a path. */
  accessLogFile: string;
  accessLogEncoding: 'TEXT' | 'JSON';
  accessLogFormat: string;
  defaultHttpRetryPolicy?: HTTPRetry;
  rootNamespace: string;
  connectTimeout: string;
  /** DNS cluster refresh rate (Envoy dns_refresh_rate); Istio's default 60s. */
  dnsRefreshRate: string;
  /** DNS auto-allocation etc. live here; analyze reads ISTIO_META_DNS_AUTO_ALLOCATE. */
  defaultConfig: { proxyMetadata: Record<string, string> };
  trustDomain: string;
  /** Auto mTLS: mTLS to endpoints with a sidecar when no DestinationRule sets tls (default true). */
  enableAutoMtls: boolean;
  /** Switchyard option: add `-shadow` to mirrored Host (Istio <= 1.27). */
  shadowHostSuffix: boolean;
  /** Mesh-wide locality LB; Istio's default is `{enabled: true}` (DefaultMeshConfig). */
  localityLbSetting?: LocalityLoadBalancerSetting;
}

export function defaultMeshConfig(): MeshConfig {
  return {
    outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    accessLogFile: '',
    accessLogEncoding: 'TEXT',
    accessLogFormat: '',
    rootNamespace: 'istio-system',
    connectTimeout: '10s',
    dnsRefreshRate: '60s',
    defaultConfig: { proxyMetadata: {} },
    trustDomain: 'cluster.local',
    enableAutoMtls: true,
    shadowHostSuffix: false,
    localityLbSetting: { enabled: true },
  };
}

/** Overlays a MeshConfig object (as YAML keys) on the defaults; unknown keys are ignored as Istio tolerates them. */
export function meshConfigFrom(value: unknown): MeshConfig {
  const mesh = defaultMeshConfig();
  if (!value || typeof value !== 'object') return mesh;
  const v = value as Record<string, unknown>;
  const otp = v.outboundTrafficPolicy as { mode?: string } | undefined;
  if (otp?.mode === 'REGISTRY_ONLY' || otp?.mode === 'ALLOW_ANY')
    mesh.outboundTrafficPolicy = { mode: otp.mode };
  if (typeof v.accessLogFile === 'string') mesh.accessLogFile = v.accessLogFile;
  if (v.accessLogEncoding === 'JSON' || v.accessLogEncoding === 'TEXT')
    mesh.accessLogEncoding = v.accessLogEncoding;
  if (typeof v.accessLogFormat === 'string') mesh.accessLogFormat = v.accessLogFormat;
  if (v.defaultHttpRetryPolicy && typeof v.defaultHttpRetryPolicy === 'object')
    mesh.defaultHttpRetryPolicy = v.defaultHttpRetryPolicy as HTTPRetry;
  if (typeof v.rootNamespace === 'string') mesh.rootNamespace = v.rootNamespace;
  if (typeof v.connectTimeout === 'string') mesh.connectTimeout = v.connectTimeout;
  if (typeof v.dnsRefreshRate === 'string') mesh.dnsRefreshRate = v.dnsRefreshRate;
  if (typeof v.trustDomain === 'string') mesh.trustDomain = v.trustDomain;
  if (typeof v.enableAutoMtls === 'boolean') mesh.enableAutoMtls = v.enableAutoMtls;
  if (typeof v.shadowHostSuffix === 'boolean') mesh.shadowHostSuffix = v.shadowHostSuffix;
  if (v.localityLbSetting && typeof v.localityLbSetting === 'object')
    mesh.localityLbSetting = v.localityLbSetting as LocalityLoadBalancerSetting;
  const dc = v.defaultConfig as { proxyMetadata?: Record<string, unknown> } | undefined;
  if (dc?.proxyMetadata && typeof dc.proxyMetadata === 'object') {
    for (const [k, val] of Object.entries(dc.proxyMetadata))
      mesh.defaultConfig.proxyMetadata[k] = String(val);
  }
  return mesh;
}

/** Parses a plain MeshConfig YAML file's text. */
export function parseMeshConfig(text: string): MeshConfig {
  return meshConfigFrom(parseYaml(text) ?? {});
}

/** The mesh config held by the `istio` ConfigMap in the root namespace, when the resources carry one. */
export function meshConfigFromResources(resources: readonly Resource[]): MeshConfig | undefined {
  const cm = resources.find(
    (r) =>
      r.kind === 'ConfigMap' &&
      r.metadata.name === 'istio' &&
      r.metadata.namespace === 'istio-system',
  );
  const data = cm?.raw.data as Record<string, unknown> | undefined;
  return typeof data?.mesh === 'string' ? parseMeshConfig(data.mesh) : undefined;
}
