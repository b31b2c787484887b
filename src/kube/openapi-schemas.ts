// OpenAPI v3 component schemas for every served kind: Istio kinds from their CRD schemas (with
// descriptions, generated into generated/openapi-schemas.json), Switchyard's Workload, and a
// minimal schema for built-in kinds (known top-level fields; the rest preserved, never rejected).
import generated from './generated/openapi-schemas.json' with { type: 'json' };
import type { ApiResource } from './catalog.js';

/** An OpenAPI v3 schema object (the subset Kubernetes publishes). */
export type OpenApiSchema = Record<string, unknown>;

const GENERATED = generated.schemas as Record<string, OpenApiSchema>;
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** A described reference, as Kubernetes' OpenAPI v3 spells it (`allOf: [{$ref}]`). */
const described = (description: string, name: string) => ({ description, allOf: [ref(name)] });

/**
 * The schema name prefix of a group/version as the API server names definitions: built-ins by Go
 * package (`io.k8s.api.apps.v1`), CRDs by reversed group (`io.istio.networking.v1`;
 * k8s.io/apiextensions-apiserver pkg/controller/openapi/builder/builder.go).
 */
export function definitionPrefix(group: string, version: string): string {
  if (group === '') return `io.k8s.api.core.${version}`;
  if (group === 'apiextensions.k8s.io')
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  if (group.endsWith('.k8s.io') || !group.includes('.'))
    return `io.k8s.api.${group.split('.')[0] ?? group}.${version}`;
  return `${group.split('.').reverse().join('.')}.${version}`;
}

/** The component name of a kind (`io.istio.networking.v1beta1.VirtualService`). */
export function definitionName(r: ApiResource, version: string, list = false): string {
  return `${definitionPrefix(r.group, version)}.${list ? r.listKind : r.kind}`;
}

// Descriptions from k8s.io/apimachinery pkg/apis/meta/v1 (TypeMeta) as every kind's schema carries them.
const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DESCRIPTION =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const preserved = (description: string): OpenApiSchema => ({
  description,
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
});
const str = (description: string): OpenApiSchema => ({ description, type: 'string' });
const stringMap = (description: string): OpenApiSchema => ({
  description,
  type: 'object',
  additionalProperties: { type: 'string', default: '' },
});

/** Spec components of the Istio kinds (scripts/generate-openapi-schemas.mjs names them). */
const ISTIO_SPECS: Readonly<Record<string, string>> = {
  'networking.istio.io/VirtualService': 'io.istio.networking.v1.VirtualServiceSpec',
  'networking.istio.io/DestinationRule': 'io.istio.networking.v1.DestinationRuleSpec',
  'networking.istio.io/Gateway': 'io.istio.networking.v1.GatewaySpec',
  'networking.istio.io/ServiceEntry': 'io.istio.networking.v1.ServiceEntrySpec',
  'networking.istio.io/WorkloadEntry': 'io.istio.networking.v1.WorkloadEntrySpec',
  'networking.istio.io/Sidecar': 'io.istio.networking.v1.SidecarSpec',
  'security.istio.io/PeerAuthentication': 'io.istio.security.v1.PeerAuthenticationSpec',
};

// Switchyard's own Workload (src/mesh/workload-plan.ts WorkloadDocSpec).
const WORKLOAD_SPEC: OpenApiSchema = {
  description: 'Which command Switchyard starts as a workload of the local mesh, and how many.',
  type: 'object',
  properties: {
    builtin: str(
      'A built-in workload (productpage, details, reviews, ratings, httpbin, sleep, tcp-echo).',
    ),
    command: {
      description: 'The command to run (instead of builtin).',
      type: 'array',
      items: { type: 'string' },
    },
    args: {
      description: 'Arguments for the command or built-in.',
      type: 'array',
      items: { type: 'string' },
    },
    env: stringMap('Environment variables for the process.'),
    workingDir: str('Working directory of the process.'),
    replicas: { description: 'Number of instances to run (default 1).', type: 'integer' },
    labels: stringMap('Labels of the workload instances (default app: <name>).'),
    serviceAccount: str('Service account of the instances (default "default").'),
    ports: {
      description: 'Ports the workload listens on.',
      type: 'array',
      items: {
        type: 'object',
        properties: {
          containerPort: { description: 'Port number.', type: 'integer' },
          name: str('Port name.'),
        },
      },
    },
  },
};

// Istio's CRDs describe only the spec; a kind's own line (istio/api networking/v1 *.proto headers).
const KIND_DESCRIPTIONS: Readonly<Record<string, string>> = {
  VirtualService: 'Configuration affecting label/content routing, sni routing, etc.',
  DestinationRule: 'Configuration affecting load balancing, outlier detection, etc.',
  Gateway: 'Configuration affecting edge load balancer.',
  ServiceEntry: 'Configuration affecting service registry.',
  WorkloadEntry: 'Configuration affecting VMs onboarded into the mesh.',
  Sidecar: 'Configuration affecting network reachability of a sidecar.',
  PeerAuthentication: 'Peer authentication configuration for workloads.',
  Workload: "A process Switchyard's local mesh runs as a workload (Switchyard's own kind).",
};

/** Replaces `$ref`s with the schema they name: a CRD schema must be self-contained (structural). */
export function inlineSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(inlineSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const refOf = (x: unknown): string | undefined =>
    x && typeof x === 'object' && typeof (x as { $ref?: unknown }).$ref === 'string'
      ? (x as { $ref: string }).$ref.slice('#/components/schemas/'.length)
      : undefined;
  const target =
    refOf(s) ?? (Array.isArray(s.allOf) && s.allOf.length === 1 ? refOf(s.allOf[0]) : undefined);
  if (target) {
    const { $ref: _r, allOf: _a, ...rest } = s;
    return { ...(inlineSchema(GENERATED[target] ?? {}) as object), ...rest };
  }
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, inlineSchema(v)]));
}

/** The components one kind at one version needs (its kind and list schemas; generated ones apart). */
export function kindSchemas(r: ApiResource, version: string): Record<string, OpenApiSchema> {
  const gvk = (kind: string) => [{ group: r.group, kind, version }];
  const specComponent = ISTIO_SPECS[`${r.group}/${r.kind}`];
  const properties: Record<string, unknown> = {
    apiVersion: str(API_VERSION_DESCRIPTION),
    kind: str(KIND_DESCRIPTION),
    metadata: described(METADATA_DESCRIPTION, OBJECT_META),
  };
  // Built-in kinds: Kubernetes' own schema (kubernetes-models, generated), with TypeMeta's prose.
  const builtin = r.source === 'builtin' ? GENERATED[definitionName(r, version)] : undefined;
  if (builtin) {
    Object.assign(properties, builtin.properties as object, {
      apiVersion: properties.apiVersion,
      kind: properties.kind,
    });
  } else if (specComponent) {
    // Inline, as the API server publishes a CRD's schema (kubectl explain shows `<Object>`).
    properties.spec = inlineSchema(GENERATED[specComponent] ?? {});
    properties.status = preserved('');
  } else if (r.kind === 'Workload') {
    properties.spec = WORKLOAD_SPEC;
  }
  const kindSchema: OpenApiSchema = {
    description: String(builtin?.description ?? KIND_DESCRIPTIONS[r.kind] ?? ''),
    type: 'object',
    properties,
    // Anything without a schema is accepted whole rather than rejected field by field.
    ...(builtin || specComponent || r.kind === 'Workload'
      ? {}
      : { 'x-kubernetes-preserve-unknown-fields': true }),
    'x-kubernetes-group-version-kind': gvk(r.kind),
  };
  const listSchema: OpenApiSchema = {
    description: `${r.listKind} is a list of ${r.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: str(API_VERSION_DESCRIPTION),
      kind: str(KIND_DESCRIPTION),
      metadata: described(
        'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
        LIST_META,
      ),
      items: {
        description: `List of ${r.plural}.`,
        type: 'array',
        items: ref(definitionName(r, version)),
      },
    },
    'x-kubernetes-group-version-kind': gvk(r.listKind),
  };
  return {
    [definitionName(r, version)]: kindSchema,
    [definitionName(r, version, true)]: listSchema,
  };
}

/** A generated component (Istio specs, ObjectMeta, ListMeta), or undefined. */
export function generatedSchema(name: string): OpenApiSchema | undefined {
  return GENERATED[name];
}

/** Every `#/components/schemas/...` name a schema references, transitively, including itself. */
export function closure(roots: Record<string, OpenApiSchema>): Record<string, OpenApiSchema> {
  const out: Record<string, OpenApiSchema> = { ...roots };
  const pending = Object.values(roots);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') {
        const name = x.slice('#/components/schemas/'.length);
        const s = GENERATED[name];
        if (!(name in out) && s) {
          out[name] = s;
          pending.push(s);
        }
      } else visit(x);
    }
  };
  while (pending.length) visit(pending.pop());
  return out;
}

/** Every served resource's spec schema by kind (for CRD objects). */
export function specSchemaOf(r: ApiResource): OpenApiSchema | undefined {
  const name = ISTIO_SPECS[`${r.group}/${r.kind}`];
  if (name) return GENERATED[name];
  return r.kind === 'Workload' ? WORKLOAD_SPEC : undefined;
}
