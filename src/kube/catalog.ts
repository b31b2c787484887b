// The API resource catalog: every resource Switchyard serves over the Kubernetes REST API, with the
// facts discovery, tables and CRD objects need. Kinds Switchyard reads (versions, scope, kubectl
// names) come from src/config/kinds.ts; this file adds only what the API needs beyond them.
import { KINDS, type KindInfo } from '../config/kinds.js';

/** A column of a `meta.k8s.io/v1 Table` (metav1.TableColumnDefinition; CRD additionalPrinterColumns). */
export interface PrinterColumn {
  /** As the API server names it (`Cluster-IP`, `Port(s)`); kubectl upper-cases it in the header. */
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority: number;
  /** For CRD-backed kinds: the CRD's column jsonPath. Built-in kinds' cells are computed. */
  jsonPath?: string;
}

/** A subresource served under a resource, e.g. `deployments/scale`. */
export interface ApiSubresource {
  name: 'status' | 'scale' | 'exec' | 'log' | 'portforward';
  /** Kind of the subresource's body (`Scale` for scale, the parent kind for status). */
  kind: string;
  /** Group/version of the body when it differs from the parent's (scale is autoscaling/v1). */
  group?: string;
  version?: string;
  verbs: readonly string[];
}

/** One served resource (all versions of one group + kind). */
export interface ApiResource {
  group: string;
  /** Served versions, preferred (storage) version first. */
  versions: readonly string[];
  kind: string;
  listKind: string;
  /** The resource name in URLs, e.g. `virtualservices`. */
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories: readonly string[];
  namespaced: boolean;
  verbs: readonly string[];
  subresources: readonly ApiSubresource[];
  /** Table columns in order, `Name` first (kubectl `get`); priority 1 columns only with `-o wide`. */
  columns: readonly PrinterColumn[];
  /** `crd`: served as a CustomResourceDefinition would be (listed by `kubectl get crd`). */
  source: 'builtin' | 'crd';
  /** The kinds.ts entry this resource serves, when Switchyard's config layer reads the kind. */
  kindInfo?: KindInfo;
}

/** The verbs of a fully writable resource; built-ins list them sorted (apiserver endpoints/installer.go). */
const ALL_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
] as const;
// kubernetes apiextensions-apiserver pkg/apiserver/customresource_discovery_controller.go (verb order).
const CRD_VERBS = [
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'create',
  'update',
  'watch',
] as const;
/** Views Switchyard derives (endpoints from services, CRDs from the catalog): read-only. */
const READ_VERBS = ['get', 'list', 'watch'] as const;
const SUBRESOURCE_VERBS = ['get', 'patch', 'update'] as const;

// Descriptions from k8s.io/apimachinery pkg/apis/meta/v1 types_swagger_doc_generated.go (ObjectMeta).
const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

const nameColumn: PrinterColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: NAME_DESCRIPTION,
  priority: 0,
};
/** A built-in printer's Age column (a string cell computed by the server). */
const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'string',
  description: AGE_DESCRIPTION,
  priority: 0,
};
/** A CRD's Age column (apiextensions v1 default when a CRD declares none). */
const crdAgeColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: AGE_DESCRIPTION,
  priority: 0,
};

const col = (
  name: string,
  description: string,
  extra: Partial<PrinterColumn> = {},
): PrinterColumn => ({ name, type: 'string', description, priority: 0, ...extra });
const wide = (name: string, description: string): PrinterColumn =>
  col(name, description, { priority: 1 });
const crdCol = (name: string, jsonPath: string, description: string): PrinterColumn =>
  col(name, description, { jsonPath });

const CONTAINERS = wide('Containers', 'Names of each container in the template.');
const IMAGES = wide('Images', 'Images referenced by each container in the template.');

/** What a catalog entry states beyond kinds.ts (or everything, for kinds the config layer does not read). */
interface ResourceFacts {
  group: string;
  kind: string;
  plural: string;
  /** Only for kinds absent from kinds.ts; otherwise kinds.ts is the source. */
  versions?: readonly string[];
  namespaced?: boolean;
  /** Only for kinds absent from kinds.ts; otherwise the kinds.ts names minus singular and plural. */
  shortNames?: readonly string[];
  categories?: readonly string[];
  verbs?: readonly string[];
  subresources?: readonly ApiSubresource[];
  /** Columns after Name. */
  columns: readonly PrinterColumn[];
  source?: 'builtin' | 'crd';
}

const status = (kind: string): ApiSubresource => ({
  name: 'status',
  kind,
  verbs: SUBRESOURCE_VERBS,
});
// The scale subresource's body is autoscaling/v1 Scale (k8s.io/api apps/v1 register + registry/apps/deployment/storage).
const scale: ApiSubresource = {
  name: 'scale',
  kind: 'Scale',
  group: 'autoscaling',
  version: 'v1',
  verbs: SUBRESOURCE_VERBS,
};

// Istio's CRDs: istio/istio manifests/charts/base/files/crd-all.gen.yaml (names, categories,
// additionalPrinterColumns, `subresources: {status: {}}`).
const ISTIO_NETWORKING_CATEGORIES = ['istio-io', 'networking-istio-io'] as const;
const ISTIO_SECURITY_CATEGORIES = ['istio-io', 'security-istio-io'] as const;

const istio = (
  kind: string,
  plural: string,
  columns: readonly PrinterColumn[],
  extra: Partial<ResourceFacts> = {},
): ResourceFacts => ({
  group: 'networking.istio.io',
  kind,
  plural,
  categories: ISTIO_NETWORKING_CATEGORIES,
  verbs: CRD_VERBS,
  subresources: [status(kind)],
  columns,
  source: 'crd',
  ...extra,
});

// Core and apps columns: kubernetes/kubernetes pkg/printers/internalversion/printers.go (AddHandlers).
const FACTS: readonly ResourceFacts[] = [
  {
    group: '',
    kind: 'Namespace',
    plural: 'namespaces',
    subresources: [status('Namespace')],
    columns: [col('Status', 'The status of the namespace'), ageColumn],
  },
  {
    group: '',
    kind: 'Service',
    plural: 'services',
    categories: ['all'],
    subresources: [status('Service')],
    columns: [
      col('Type', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'clusterIP is the IP address of the service.'),
      col(
        'External-IP',
        'externalIPs is a list of IP addresses for which nodes also accept traffic.',
      ),
      col('Port(s)', 'The list of ports that are exposed by this service.'),
      ageColumn,
      wide(
        'Selector',
        'Route service traffic to pods with label keys and values matching this selector.',
      ),
    ],
  },
  {
    group: '',
    kind: 'Endpoints',
    plural: 'endpoints',
    versions: ['v1'],
    namespaced: true,
    shortNames: ['ep'],
    verbs: READ_VERBS,
    columns: [col('Endpoints', 'The set of all endpoints is the union of all subsets.'), ageColumn],
  },
  {
    group: '',
    kind: 'Pod',
    plural: 'pods',
    categories: ['all'],
    // pods/exec, pods/log, pods/portforward as the API server lists them (pkg/registry/core/pod/rest
    // subresources.go: ExecREST, LogREST, PortForwardREST); served by src/kube/pods.
    subresources: [
      status('Pod'),
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
    columns: [
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      ageColumn,
      wide('IP', 'podIP address allocated to the pod.'),
      wide('Node', 'NodeName indicates in which node this pod is scheduled.'),
      wide(
        'Nominated Node',
        'nominatedNodeName is set when this pod preempts other pods on the node.',
      ),
      wide(
        'Readiness Gates',
        'If specified, all readiness gates will be evaluated for pod readiness.',
      ),
    ],
  },
  {
    group: '',
    kind: 'ConfigMap',
    plural: 'configmaps',
    columns: [col('Data', 'Data contains the configuration data.'), ageColumn],
  },
  {
    group: '',
    kind: 'Secret',
    plural: 'secrets',
    columns: [
      col('Type', 'Used to facilitate programmatic handling of secret data.'),
      col('Data', 'Data contains the secret data.'),
      ageColumn,
    ],
  },
  {
    group: '',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    columns: [
      col(
        'Secrets',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      ),
      ageColumn,
    ],
  },
  {
    group: '',
    kind: 'Event',
    plural: 'events',
    versions: ['v1'],
    namespaced: true,
    shortNames: ['ev'],
    columns: [
      col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
      col(
        'Reason',
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      ),
      col('Object', 'The object that this event is about.'),
      wide('Subobject', 'The field of the involved object the event is about.'),
      wide('Source', 'The component reporting this event.'),
      col('Message', 'A human-readable description of the status of this operation.'),
      wide('First Seen', 'The time at which the event was first recorded.'),
      wide('Count', 'The number of times this event has occurred.'),
      { ...nameColumn, priority: 1 },
    ],
  },
  {
    group: 'apps',
    kind: 'Deployment',
    plural: 'deployments',
    categories: ['all'],
    subresources: [scale, status('Deployment')],
    columns: [
      col('Ready', 'Number of the pod with ready state'),
      col(
        'Up-to-date',
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      col(
        'Available',
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      ageColumn,
      CONTAINERS,
      IMAGES,
      wide('Selector', 'Label selector for pods.'),
    ],
  },
  {
    group: 'apps',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    versions: ['v1'],
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [scale, status('ReplicaSet')],
    columns: [
      col('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
      col('Current', 'Replicas is the most recently observed number of replicas.', {
        type: 'integer',
      }),
      col('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
      ageColumn,
      CONTAINERS,
      IMAGES,
      wide('Selector', 'Selector is a label query over pods that should match the replica count.'),
    ],
  },
  {
    group: 'discovery.k8s.io',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    versions: ['v1'],
    namespaced: true,
    shortNames: [],
    verbs: READ_VERBS,
    columns: [
      col(
        'AddressType',
        'addressType specifies the type of address carried by this EndpointSlice.',
      ),
      col(
        'Ports',
        'ports specifies the list of network ports exposed by each endpoint in this slice.',
      ),
      col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
      ageColumn,
    ],
  },
  istio('VirtualService', 'virtualservices', [
    crdCol(
      'Gateways',
      '.spec.gateways',
      'The names of gateways and sidecars that should apply these routes',
    ),
    crdCol('Hosts', '.spec.hosts', 'The destination hosts to which traffic is being sent'),
    crdAgeColumn,
  ]),
  istio('DestinationRule', 'destinationrules', [
    crdCol('Host', '.spec.host', 'The name of a service from the service registry'),
    crdAgeColumn,
  ]),
  istio('Gateway', 'gateways', [crdAgeColumn]),
  istio('ServiceEntry', 'serviceentries', [
    crdCol('Hosts', '.spec.hosts', 'The hosts associated with the ServiceEntry'),
    crdCol(
      'Location',
      '.spec.location',
      'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)',
    ),
    crdCol(
      'Resolution',
      '.spec.resolution',
      'Service resolution mode for the hosts (NONE, STATIC, or DNS)',
    ),
    crdAgeColumn,
  ]),
  istio('WorkloadEntry', 'workloadentries', [
    crdAgeColumn,
    crdCol('Address', '.spec.address', 'Address associated with the network endpoint.'),
  ]),
  istio('Sidecar', 'sidecars', [crdAgeColumn]),
  istio(
    'PeerAuthentication',
    'peerauthentications',
    [
      crdCol('Mode', '.spec.mtls.mode', 'Defines the mTLS mode used for peer authentication.'),
      crdAgeColumn,
    ],
    {
      group: 'security.istio.io',
      versions: ['v1', 'v1beta1'],
      namespaced: true,
      shortNames: ['pa'],
      categories: ISTIO_SECURITY_CATEGORIES,
    },
  ),
  {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    versions: ['v1'],
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    verbs: READ_VERBS,
    // apiextensions-apiserver registry/customresourcedefinition: the default table convertor
    // (k8s.io/apiserver pkg/registry/rest/table.go): Name and "Created At".
    columns: [
      {
        name: 'Created At',
        type: 'date',
        description: AGE_DESCRIPTION,
        priority: 0,
      },
    ],
  },
  {
    group: 'switchyard.io',
    kind: 'Workload',
    plural: 'workloads',
    categories: ['switchyard'],
    verbs: CRD_VERBS,
    columns: [crdAgeColumn],
    source: 'crd',
  },
];

function build(facts: ResourceFacts): ApiResource {
  const kindInfo = KINDS.find((k) => k.group === facts.group && k.kind === facts.kind);
  const singular = facts.kind.toLowerCase();
  const versions = kindInfo?.versions ?? facts.versions;
  const namespaced = kindInfo?.namespaced ?? facts.namespaced;
  if (!versions || namespaced === undefined)
    throw new Error(`catalog: ${facts.kind}.${facts.group} needs versions and scope`);
  const shortNames = kindInfo
    ? kindInfo.names.filter((n) => n !== singular && n !== facts.plural)
    : (facts.shortNames ?? []);
  return {
    group: facts.group,
    versions,
    kind: facts.kind,
    listKind: `${facts.kind}List`,
    plural: facts.plural,
    singular,
    shortNames,
    categories: facts.categories ?? [],
    namespaced,
    verbs: facts.verbs ?? ALL_VERBS,
    subresources: facts.subresources ?? [],
    columns: [nameColumn, ...facts.columns],
    source: facts.source ?? 'builtin',
    ...(kindInfo ? { kindInfo } : {}),
  };
}

/** Every served resource, core group first, in the order discovery lists them. */
export const API_RESOURCES: readonly ApiResource[] = FACTS.map(build);

/** `group/version` as apiVersion spells it (`v1` for the core group). */
export function groupVersionString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The resource served at `/apis/<group>/<version>/<plural>` (or `/api/v1/<plural>`), if any. */
export function findResource(
  group: string,
  version: string,
  plural: string,
): ApiResource | undefined {
  return API_RESOURCES.find(
    (r) => r.group === group && r.plural === plural && r.versions.includes(version),
  );
}

/** The resource serving a kind at an apiVersion (`networking.istio.io/v1beta1`, `VirtualService`). */
export function findResourceByKind(apiVersion: string, kind: string): ApiResource | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return API_RESOURCES.find(
    (r) => r.group === group && r.kind === kind && r.versions.includes(version),
  );
}

/** A served API group with its versions, preferred first (groups in discovery order, core first). */
export interface ApiGroup {
  group: string;
  versions: readonly string[];
  preferredVersion: string;
}

// kube-aware version priority (k8s.io/apimachinery pkg/version/helpers.go CompareKubeAwareVersionStrings):
// GA > beta > alpha, higher major first, then higher minor.
function versionRank(v: string): [number, number, number] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [-1, 0, 0];
  const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stability, Number(m[1]), Number(m[3] ?? 0)];
}

/** Sorts versions as the API server orders them in discovery (preferred first). */
export function sortVersions(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => {
    const [sa, ma, na] = versionRank(a);
    const [sb, mb, nb] = versionRank(b);
    return sb - sa || mb - ma || nb - na;
  });
}

/** The served groups in discovery order: core (""), then groups in catalog order. */
export function apiGroups(): ApiGroup[] {
  const out: ApiGroup[] = [];
  for (const r of API_RESOURCES) {
    const existing = out.find((g) => g.group === r.group);
    const versions = sortVersions([...new Set([...(existing?.versions ?? []), ...r.versions])]);
    const group: ApiGroup = { group: r.group, versions, preferredVersion: versions[0] ?? 'v1' };
    if (existing) out[out.indexOf(existing)] = group;
    else out.push(group);
  }
  return out;
}

/** The resources served at one group/version, in catalog order. */
export function resourcesIn(group: string, version: string): ApiResource[] {
  return API_RESOURCES.filter((r) => r.group === group && r.versions.includes(version));
}
