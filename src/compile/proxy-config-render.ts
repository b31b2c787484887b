// istioctl proxy-config tables for one compiled snapshot; shared by the offline CLI and the running
// mesh's admin API so both print exactly the same thing. `-o json|yaml` is Envoy's JSON, printed by
// src/xds/proxy-config-view.ts from the one Envoy generator.
import {
  clustersTable,
  endpointsTable,
  listenersTable,
  routesTable,
} from './proxy-config-writer.js';
import type { ProxySnapshot } from './snapshot.js';

export type ProxyConfigKind = 'routes' | 'clusters' | 'listeners' | 'endpoints';

export interface ProxyConfigOptions {
  output: string;
  name?: string;
  fqdn?: string;
  port?: string;
  subset?: string;
  direction?: string;
  address?: string;
  cluster?: string;
  /** Live outlier state for the endpoints table (see EndpointFilter.outlier). */
  outlier?: ReadonlyMap<string, 'OK' | 'FAILED'>;
}

export const PROXY_CONFIG_FILTERS = [
  'name',
  'fqdn',
  'port',
  'subset',
  'direction',
  'address',
  'cluster',
] as const;

export function renderProxyConfig(
  kind: ProxyConfigKind,
  s: ProxySnapshot,
  o: ProxyConfigOptions,
): string {
  const port = o.port ? Number(o.port) : undefined;
  switch (kind) {
    case 'routes':
      return routesTable(s, { ...(o.name ? { name: o.name } : {}) });
    case 'clusters':
      return clustersTable(s, {
        ...(o.fqdn ? { fqdn: o.fqdn } : {}),
        ...(port ? { port } : {}),
        ...(o.subset ? { subset: o.subset } : {}),
        ...(o.direction ? { direction: o.direction } : {}),
      });
    case 'endpoints':
      return endpointsTable(s, {
        ...(o.address ? { address: o.address } : {}),
        ...(port ? { port } : {}),
        ...(o.cluster ? { cluster: o.cluster } : {}),
        ...(o.outlier ? { outlier: o.outlier } : {}),
      });
    case 'listeners':
      return listenersTable(s, {
        ...(o.address ? { address: o.address } : {}),
        ...(port ? { port } : {}),
      });
  }
}
