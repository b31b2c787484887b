// `kubectl get` asks for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the API server
// answers a meta.k8s.io/v1 Table (apimachinery pkg/apis/meta/v1/types.go Table). Built-in kinds'
// cells follow kubernetes pkg/printers/internalversion/printers.go; CRD kinds' cells come from their
// additionalPrinterColumns jsonPaths (apiextensions-apiserver pkg/registry/customresource/tableconvertor).
import type { ApiResource, PrinterColumn } from './catalog.js';
import { humanDuration } from './human-duration.js';

type Obj = Record<string, unknown>;

/** True when the Accept header asks for a Table (kubectl get's first choice). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some(
      (part) =>
        /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part) && /v=v1(;|$|\s)/.test(part + ';'),
    );
}

const at = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (cur, k) => (cur !== null && typeof cur === 'object' ? (cur as Obj)[k as string] : undefined),
    o,
  );

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Evaluates a CRD column's simple JSONPath (`.spec.hosts`, `.spec.http[0].route`). */
function jsonPathValue(obj: unknown, path: string): unknown {
  const parts = path
    .replace(/^\./, '')
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '');
  return parts.reduce<unknown>((cur, p) => {
    if (cur === null || typeof cur !== 'object') return undefined;
    return Array.isArray(cur) ? cur[Number(p)] : (cur as Obj)[p];
  }, obj);
}

function age(obj: unknown, now: number): string {
  const ts = at(obj, 'metadata', 'creationTimestamp');
  const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** A CRD column cell: dates as ages, everything else as the JSON value (the convertor's cells). */
function crdCell(obj: unknown, column: PrinterColumn, now: number): unknown {
  const value = jsonPathValue(obj, column.jsonPath ?? '');
  if (value === undefined || value === null) return null;
  if (column.type === 'date' && typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

function joinOr(values: string[], none = '<none>'): string {
  return values.length > 0 ? values.join(',') : none;
}

function selectorString(sel: unknown): string {
  const labels = at(sel, 'matchLabels') ?? sel;
  if (labels === null || typeof labels !== 'object') return '<none>';
  const entries = Object.entries(labels as Obj).filter(([k]) => k !== 'matchExpressions');
  return joinOr(entries.map(([k, v]) => `${k}=${String(v)}`));
}

function podReady(obj: unknown): string {
  const statuses = list(at(obj, 'status', 'containerStatuses'));
  const total = list(at(obj, 'spec', 'containers')).length;
  const ready = statuses.filter((s) => at(s, 'ready') === true).length;
  return `${ready}/${total}`;
}

/** A built-in kind's cell for one column (printers.go printPod, printService, printDeployment...). */
function builtinCell(kind: string, name: string, obj: unknown, now: number): unknown {
  switch (name) {
    case 'Name':
      return at(obj, 'metadata', 'name');
    case 'Age':
      return age(obj, now);
    // The default table convertor prints the timestamp itself, RFC 3339 in UTC
    // (kubernetes staging/src/k8s.io/apiserver/pkg/registry/rest/table.go).
    case 'Created At':
      return at(obj, 'metadata', 'creationTimestamp') ?? null;
  }
  switch (`${kind}/${name}`) {
    case 'Namespace/Status':
      return at(obj, 'status', 'phase') ?? 'Active';
    case 'Service/Type':
      return at(obj, 'spec', 'type') ?? 'ClusterIP';
    case 'Service/Cluster-IP':
      return at(obj, 'spec', 'clusterIP') ?? '<none>';
    case 'Service/External-IP':
      return joinOr(list(at(obj, 'spec', 'externalIPs')).map(String));
    case 'Service/Port(s)':
      return joinOr(
        list(at(obj, 'spec', 'ports')).map((p) => {
          const proto = (at(p, 'protocol') as string | undefined) ?? 'TCP';
          const nodePort = at(p, 'nodePort');
          return nodePort
            ? `${String(at(p, 'port'))}:${String(nodePort)}/${proto}`
            : `${String(at(p, 'port'))}/${proto}`;
        }),
      );
    case 'Service/Selector':
      return selectorString(at(obj, 'spec', 'selector'));
    case 'Endpoints/Endpoints': {
      const eps = list(at(obj, 'subsets')).flatMap((s) =>
        list(at(s, 'addresses')).flatMap((a) =>
          list(at(s, 'ports')).map((p) => `${String(at(a, 'ip'))}:${String(at(p, 'port'))}`),
        ),
      );
      return joinOr(eps.length > 3 ? [...eps.slice(0, 3), `+ ${eps.length - 3} more...`] : eps);
    }
    case 'Pod/Ready':
      return podReady(obj);
    case 'Pod/Status':
      return at(obj, 'status', 'phase') ?? 'Pending';
    case 'Pod/Restarts':
      return list(at(obj, 'status', 'containerStatuses')).reduce<number>(
        (n, s) => n + Number(at(s, 'restartCount') ?? 0),
        0,
      );
    case 'Pod/IP':
      return at(obj, 'status', 'podIP') ?? '<none>';
    case 'Pod/Node':
      return at(obj, 'spec', 'nodeName') ?? '<none>';
    case 'Pod/Nominated Node':
    case 'Pod/Readiness Gates':
      return '<none>';
    case 'ConfigMap/Data':
      return (
        Object.keys((at(obj, 'data') as Obj | undefined) ?? {}).length +
        Object.keys((at(obj, 'binaryData') as Obj | undefined) ?? {}).length
      );
    case 'Secret/Type':
      return at(obj, 'type') ?? 'Opaque';
    case 'Secret/Data':
      return Object.keys((at(obj, 'data') as Obj | undefined) ?? {}).length;
    case 'ServiceAccount/Secrets':
      return list(at(obj, 'secrets')).length;
    case 'Deployment/Ready':
      return `${Number(at(obj, 'status', 'readyReplicas') ?? 0)}/${Number(at(obj, 'spec', 'replicas') ?? 1)}`;
    case 'Deployment/Up-to-date':
      return Number(at(obj, 'status', 'updatedReplicas') ?? 0);
    case 'Deployment/Available':
      return Number(at(obj, 'status', 'availableReplicas') ?? 0);
    case 'ReplicaSet/Desired':
      return Number(at(obj, 'spec', 'replicas') ?? 1);
    case 'ReplicaSet/Current':
      return Number(at(obj, 'status', 'replicas') ?? 0);
    case 'ReplicaSet/Ready':
      return Number(at(obj, 'status', 'readyReplicas') ?? 0);
    case 'Deployment/Containers':
    case 'ReplicaSet/Containers':
      return joinOr(
        list(at(obj, 'spec', 'template', 'spec', 'containers')).map((c) => String(at(c, 'name'))),
      );
    case 'Deployment/Images':
    case 'ReplicaSet/Images':
      return joinOr(
        list(at(obj, 'spec', 'template', 'spec', 'containers')).map((c) =>
          String(at(c, 'image') ?? ''),
        ),
      );
    case 'Deployment/Selector':
    case 'ReplicaSet/Selector':
      return selectorString(at(obj, 'spec', 'selector'));
    case 'EndpointSlice/AddressType':
      return at(obj, 'addressType') ?? 'IPv4';
    case 'EndpointSlice/Ports':
      return joinOr(
        list(at(obj, 'ports')).map((p) => String(at(p, 'port'))),
        '<unset>',
      );
    case 'EndpointSlice/Endpoints':
      return joinOr(
        list(at(obj, 'endpoints')).flatMap((e) => list(at(e, 'addresses')).map(String)),
        '<unset>',
      );
    case 'Event/Last Seen':
      return age({ metadata: { creationTimestamp: at(obj, 'lastTimestamp') } }, now);
    case 'Event/Type':
      return at(obj, 'type') ?? '';
    case 'Event/Reason':
      return at(obj, 'reason') ?? '';
    case 'Event/Object':
      return `${String(at(obj, 'involvedObject', 'kind') ?? '').toLowerCase()}/${String(at(obj, 'involvedObject', 'name') ?? '')}`;
    case 'Event/Message':
      return at(obj, 'message') ?? '';
  }
  return '<none>';
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The includeObject query parameter (metav1.IncludeObjectPolicy; Metadata by default). */
export function includeObjectOf(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** A meta.k8s.io/v1 Table for objects of one resource. */
export function toTable(
  resource: ApiResource,
  objects: readonly Obj[],
  options: { now: number; include: IncludeObject; resourceVersion: string; continueToken?: string },
): Obj {
  const columns = resource.columns;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      resourceVersion: options.resourceVersion,
      ...(options.continueToken ? { continue: options.continueToken } : {}),
    },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type === 'date' ? 'date' : c.type,
      format: c.format ?? '',
      description: c.description,
      priority: c.priority,
    })),
    rows: objects.map((obj) => ({
      cells: columns.map((c) =>
        c.jsonPath !== undefined
          ? crdCell(obj, c, options.now)
          : c.name === 'Name'
            ? at(obj, 'metadata', 'name')
            : builtinCell(resource.kind, c.name, obj, options.now),
      ),
      ...(options.include === 'None'
        ? {}
        : {
            object:
              options.include === 'Object'
                ? obj
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: 'meta.k8s.io/v1',
                    metadata: obj.metadata,
                  },
          }),
    })),
  };
}
