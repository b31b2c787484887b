// Envoy's admin /config_dump shape (envoy.admin.v3.ConfigDump: ClustersConfigDump,
// ListenersConfigDump, RoutesConfigDump and, as with ?include_eds, EndpointsConfigDump) from the same
// generator the ADS server serves, so istioctl/jq recipes over `proxy-config all -o json` work.
// Private keys print as "[redacted]" as Envoy redacts sensitive fields (envoyproxy/envoy
// source/common/protobuf/utility.cc MessageUtil::redact).
import type { ProxySnapshot } from '../compile/index.js';
import { generateResources, type Generator } from './generate/index.js';
import { toEnvoyJson } from './proto-json.js';
import { TYPE, TYPE_PREFIX, type ProtoObject } from './protos.js';

const ADMIN = `${TYPE_PREFIX}envoy.admin.v3.`;

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (!value || typeof value !== 'object') return value;
  const out: ProtoObject = {};
  for (const [k, v] of Object.entries(value as ProtoObject)) {
    if (k === 'private_key' && v && typeof v === 'object' && 'inline_string' in v)
      out[k] = { inline_string: '[redacted]' };
    else out[k] = redact(v);
  }
  return out;
}

export function envoyConfigDump(s: ProxySnapshot, generator: Generator = 'envoy'): ProtoObject {
  const resources = generateResources(s, generator);
  const version = String(s.version);
  const list = (type: string) =>
    [...(resources.get(type)?.values() ?? [])].map((r) => redact(toEnvoyJson(r)) as ProtoObject);
  return {
    configs: [
      {
        '@type': `${ADMIN}ClustersConfigDump`,
        version_info: version,
        dynamic_active_clusters: list(TYPE.cluster).map((cluster) => ({
          version_info: version,
          cluster,
        })),
      },
      {
        '@type': `${ADMIN}ListenersConfigDump`,
        version_info: version,
        dynamic_listeners: list(TYPE.listener).map((listener) => ({
          name: listener.name,
          active_state: { version_info: version, listener },
        })),
      },
      {
        '@type': `${ADMIN}RoutesConfigDump`,
        dynamic_route_configs: list(TYPE.route).map((route_config) => ({
          version_info: version,
          route_config,
        })),
      },
      {
        '@type': `${ADMIN}EndpointsConfigDump`,
        dynamic_endpoint_configs: list(TYPE.endpoint).map((endpoint_config) => ({
          version_info: version,
          endpoint_config,
        })),
      },
    ],
  };
}
