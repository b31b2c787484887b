// istioctl proxy-config output (tables, or -o json|yaml) for one compiled snapshot; shared by the
// offline CLI and the running mesh's admin API so both print exactly the same thing.
import { stringify as toYaml } from 'yaml';
import {
  clustersTable,
  endpointsTable,
  listenersTable,
  routesTable,
  toPlain,
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
  if (o.output === 'json' || o.output === 'yaml') {
    let data: unknown;
    if (kind === 'routes')
      data = [...s.routeTables.values()].filter((t) => !o.name || t.name === o.name);
    else if (kind === 'clusters')
      data = [...s.clusters.values()].map((c) => ({ ...c, endpoints: undefined }));
    else if (kind === 'endpoints')
      data = [...s.clusters.values()]
        .filter((c) => c.endpoints.length > 0 && (!o.cluster || c.name === o.cluster))
        .map((c) => ({ name: c.name, endpoints: c.endpoints }));
    else data = s.listeners.filter((l) => !port || l.port === port);
    const plain = toPlain(data);
    return o.output === 'json' ? JSON.stringify(plain, null, 4) + '\n' : toYaml(plain);
  }
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
