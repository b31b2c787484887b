// kubectl's output formats for `get`: tables (tabwriter, AGE), -o yaml|json|name.
import { stringify as toYaml } from 'yaml';
import { kindFromArgument, lookupKind, kubectlTypeName } from '../../config/kinds.js';
import { humanDuration } from '../../kube/human-duration.js';

export { humanDuration };

type Obj = Record<string, unknown>;

/**
 * Columns as kubectl's tabwriter lays them out (k8s.io/cli-runtime printers/tabwriter.go:
 * minwidth 6, padding 3); the last cell of a line is not padded.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(6, ...all.map((r) => (r[i] ?? '').length + 3)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        // Go's tabwriter pads every tab-terminated cell, so an empty last cell leaves the padding.
        .join(''),
    )
    .join('\n');
}

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (cur, k) => (cur && typeof cur === 'object' ? (cur as Obj)[k] : undefined),
    o,
  );

/**
 * A CRD printer-column cell: JSON for lists/maps as kubectl's jsonpath prints them; empty when absent
 * (the API server sends a nil cell and k8s.io/cli-runtime printers/tableprinter.go prints nothing).
 */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function age(obj: unknown, now: number): string {
  const ts = get(obj, 'metadata', 'creationTimestamp');
  const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

interface Columns {
  header: string[];
  row: (o: unknown, now: number) => string[];
}

/** Service PORT(S): `9080/TCP`, with a node port `80:31380/TCP` (kubectl printers.go makePortString). */
function servicePorts(o: unknown): string {
  const ports = get(o, 'spec', 'ports');
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports
    .map((p: Obj) => {
      const proto = typeof p.protocol === 'string' ? p.protocol : 'TCP';
      return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
    })
    .join(',');
}

/**
 * Columns per kind: Istio's CRD additionalPrinterColumns (istio/api kubernetes/customresourcedefinitions.gen.yaml)
 * and kubectl's built-in printers (k8s.io/kubernetes pkg/printers/internalversion/printers.go).
 */
export function columnsFor(kind: string, wide: boolean): Columns {
  const name = (o: unknown) => String(get(o, 'metadata', 'name') ?? '');
  switch (kind) {
    case 'VirtualService':
      return {
        header: ['NAME', 'GATEWAYS', 'HOSTS', 'AGE'],
        row: (o, now) => [
          name(o),
          cell(get(o, 'spec', 'gateways')),
          cell(get(o, 'spec', 'hosts')),
          age(o, now),
        ],
      };
    case 'DestinationRule':
      return {
        header: ['NAME', 'HOST', 'AGE'],
        row: (o, now) => [name(o), cell(get(o, 'spec', 'host')), age(o, now)],
      };
    case 'ServiceEntry':
      return {
        header: ['NAME', 'HOSTS', 'LOCATION', 'RESOLUTION', 'AGE'],
        row: (o, now) => [
          name(o),
          cell(get(o, 'spec', 'hosts')),
          cell(get(o, 'spec', 'location')),
          cell(get(o, 'spec', 'resolution')),
          age(o, now),
        ],
      };
    case 'PeerAuthentication':
      // security.istio.io CRD additionalPrinterColumns: Mode (.spec.mtls.mode), Age.
      return {
        header: ['NAME', 'MODE', 'AGE'],
        row: (o, now) => [name(o), cell(get(o, 'spec', 'mtls', 'mode')), age(o, now)],
      };
    case 'WorkloadEntry':
      return {
        header: ['NAME', 'AGE', 'ADDRESS'],
        row: (o, now) => [name(o), age(o, now), cell(get(o, 'spec', 'address'))],
      };
    case 'Service': {
      const header = ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'];
      return {
        header: wide ? [...header, 'SELECTOR'] : header,
        row: (o, now) => {
          const type = String(get(o, 'spec', 'type') ?? 'ClusterIP');
          const selector = get(o, 'spec', 'selector') as Obj | undefined;
          const row = [
            name(o),
            type,
            String(get(o, 'spec', 'clusterIP') ?? '<none>'),
            type === 'LoadBalancer' ? '<pending>' : '<none>',
            servicePorts(o),
            age(o, now),
          ];
          const sel =
            selector && Object.keys(selector).length > 0
              ? Object.keys(selector)
                  .sort()
                  .map((k) => `${k}=${String(selector[k])}`)
                  .join(',')
              : '<none>';
          return wide ? [...row, sel] : row;
        },
      };
    }
    case 'Namespace':
      return {
        header: ['NAME', 'STATUS', 'AGE'],
        row: (o, now) => [name(o), 'Active', age(o, now)],
      };
    case 'ConfigMap':
      return {
        header: ['NAME', 'DATA', 'AGE'],
        row: (o, now) => [
          name(o),
          String(Object.keys((get(o, 'data') as Obj) ?? {}).length),
          age(o, now),
        ],
      };
    case 'Secret':
      return {
        header: ['NAME', 'TYPE', 'DATA', 'AGE'],
        row: (o, now) => [
          name(o),
          String(get(o, 'type') ?? 'Opaque'),
          String(Object.keys((get(o, 'data') as Obj) ?? {}).length),
          age(o, now),
        ],
      };
    default:
      // Gateway, Sidecar and kinds without printer columns: NAME AGE.
      return { header: ['NAME', 'AGE'], row: (o, now) => [name(o), age(o, now)] };
  }
}

/** The table `kubectl get` prints; with -A a NAMESPACE column comes first. */
export function resourceTable(
  kind: string,
  items: readonly unknown[],
  opts: { allNamespaces: boolean; wide: boolean; now: number; kindPrefix?: string },
): string {
  const cols = columnsFor(kind, opts.wide);
  const header = opts.allNamespaces ? ['NAMESPACE', ...cols.header] : cols.header;
  const rows = items.map((o) => {
    const r = cols.row(o, opts.now);
    if (opts.kindPrefix) r[0] = `${opts.kindPrefix}/${r[0] ?? ''}`;
    return opts.allNamespaces ? [String(get(o, 'metadata', 'namespace') ?? ''), ...r] : r;
  });
  return formatTable(header, rows);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Obj = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Obj)[k]);
    return out;
  }
  return value;
}

/** -o yaml: keys sorted, sequences unindented, YAML 1.1 quoting (timestamps, yes/no), as kubectl (sigs.k8s.io/yaml) writes them. */
export function toKubectlYaml(value: unknown): string {
  return toYaml(sortKeys(value), { indentSeq: false, lineWidth: 0, schema: 'yaml-1.1' });
}

/** -o json: kubectl indents with four spaces. */
export function toKubectlJson(value: unknown): string {
  return JSON.stringify(value, null, 4) + '\n';
}

/** A v1 List wrapper as kubectl prints several objects. */
export function asList(items: readonly unknown[]): Obj {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** `virtualservice.networking.istio.io/reviews` (-o name). */
export function nameOf(obj: unknown): string {
  const apiVersion = String(get(obj, 'apiVersion') ?? '');
  const kind = String(get(obj, 'kind') ?? '');
  const info = lookupKind(apiVersion, kind) ?? kindFromArgument(kind);
  return `${info ? kubectlTypeName(info) : kind.toLowerCase()}/${String(get(obj, 'metadata', 'name') ?? '')}`;
}
