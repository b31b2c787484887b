// Envoy's admin /config_dump (envoy.admin.v3.ConfigDump) for a proxy, from the same generator the ADS
// server serves: its configs in Envoy's order (envoyproxy/envoy api/envoy/admin/v3/config_dump.proto):
// BootstrapConfigDump, ClustersConfigDump (the bootstrap's static clusters + dynamic_active_clusters),
// EndpointsConfigDump (only with ?include_eds, as Envoy), ListenersConfigDump, RoutesConfigDump,
// SecretsConfigDump. Sensitive fields are redacted as Envoy redacts them (proto-json.ts).
import type { ProxySnapshot } from '../compile/index.js';
import { envoyBootstrap } from './bootstrap.js';
import { generateResources, type Generator } from './generate/index.js';
import { jsonName, toEnvoyJson, type FieldNames } from './proto-json.js';
import { TYPE, TYPE_PREFIX, type ProtoObject } from './protos.js';

const ADMIN = `${TYPE_PREFIX}envoy.admin.v3.`;

export const DUMP_TYPE = {
  bootstrap: `${ADMIN}BootstrapConfigDump`,
  clusters: `${ADMIN}ClustersConfigDump`,
  endpoints: `${ADMIN}EndpointsConfigDump`,
  listeners: `${ADMIN}ListenersConfigDump`,
  routes: `${ADMIN}RoutesConfigDump`,
  secrets: `${ADMIN}SecretsConfigDump`,
} as const;

/** istio-agent's default discovery address (istiod's plaintext xDS port). */
export const DEFAULT_XDS_ADDRESS = '127.0.0.1:15010';

export interface ConfigDumpOptions {
  generator?: Generator;
  /** The bootstrap the proxy runs with; by default one pointing at DEFAULT_XDS_ADDRESS (bootstrap.ts). */
  bootstrap?: ProtoObject;
  /** The SDS secrets the proxy holds (generate/secrets.ts); none when absent. */
  secrets?: readonly ProtoObject[];
  /** Envoy's `?include_eds`: add EndpointsConfigDump. */
  includeEds?: boolean;
  /** `proto` (Envoy's snake_case, the default) or `json` (lowerCamelCase, as istioctl re-marshals). */
  names?: FieldNames;
}

export function envoyConfigDump(s: ProxySnapshot, o: ConfigDumpOptions = {}): ProtoObject {
  const names = o.names ?? 'proto';
  const k = (field: string) => (names === 'json' ? jsonName(field) : field);
  const json = (r: ProtoObject) => toEnvoyJson(r, { names, redact: true });
  const resources = generateResources(s, o.generator ?? 'envoy');
  const version = String(s.version);
  const list = (type: string) => [...(resources.get(type)?.values() ?? [])].map(json);

  const bootstrap = json(o.bootstrap ?? envoyBootstrap(s.proxy, DEFAULT_XDS_ADDRESS));
  const { '@type': _bootstrapType, ...bootstrapMessage } = bootstrap;
  void _bootstrapType;
  const staticResources = (bootstrapMessage[k('static_resources')] ?? {}) as ProtoObject;
  const staticClusters = (staticResources.clusters ?? []) as ProtoObject[];

  const configs: ProtoObject[] = [
    { '@type': DUMP_TYPE.bootstrap, bootstrap: bootstrapMessage },
    {
      '@type': DUMP_TYPE.clusters,
      [k('version_info')]: version,
      ...nonEmpty(
        k('static_clusters'),
        staticClusters.map((c) => ({ cluster: { '@type': TYPE.cluster, ...c } })),
      ),
      ...nonEmpty(
        k('dynamic_active_clusters'),
        list(TYPE.cluster).map((cluster) => ({ [k('version_info')]: version, cluster })),
      ),
    },
  ];
  if (o.includeEds) {
    const staticEndpoints = staticClusters
      .map((c) => c[k('load_assignment')] as ProtoObject | undefined)
      .filter((a): a is ProtoObject => a !== undefined);
    configs.push({
      '@type': DUMP_TYPE.endpoints,
      ...nonEmpty(
        k('static_endpoint_configs'),
        staticEndpoints.map((a) => ({ [k('endpoint_config')]: { '@type': TYPE.endpoint, ...a } })),
      ),
      ...nonEmpty(
        k('dynamic_endpoint_configs'),
        list(TYPE.endpoint).map((endpoint_config) => ({
          [k('version_info')]: version,
          [k('endpoint_config')]: endpoint_config,
        })),
      ),
    });
  }
  configs.push(
    {
      '@type': DUMP_TYPE.listeners,
      [k('version_info')]: version,
      ...nonEmpty(
        k('dynamic_listeners'),
        list(TYPE.listener).map((listener) => ({
          name: listener.name,
          [k('active_state')]: { [k('version_info')]: version, listener },
        })),
      ),
    },
    {
      '@type': DUMP_TYPE.routes,
      ...nonEmpty(
        k('dynamic_route_configs'),
        list(TYPE.route).map((route_config) => ({
          [k('version_info')]: version,
          [k('route_config')]: route_config,
        })),
      ),
    },
    {
      '@type': DUMP_TYPE.secrets,
      ...nonEmpty(
        k('dynamic_active_secrets'),
        (o.secrets ?? []).map((r) => {
          const secret = json(r);
          return { name: secret.name, secret };
        }),
      ),
    },
  );
  return { configs };
}

/** Proto3 JSON leaves empty repeated fields out. */
function nonEmpty(key: string, items: readonly unknown[]): ProtoObject {
  return items.length > 0 ? { [key]: items } : {};
}
