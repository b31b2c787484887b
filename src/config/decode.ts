// Whether an object decodes into its typed form at all, as `istioctl analyze` and istiod read files:
// a field of the wrong JSON type (a string where a list belongs) fails decoding and the object is
// skipped with an error, never analyzed or compiled (istio/istio pilot/pkg/config/file/store.go
// parseChunk: "failed parsing JSON for built-in type"). Unknown fields and bad values decode fine;
// validation reports those.
import { specSchema, walkSchema, type SchemaNode, type SchemaProblem } from './schema/index.js';
import { formatFieldPath, refOf, type ConfigDiagnostic, type Resource } from './types.js';

const str: SchemaNode = { type: 'string' };
// k8s.io/api: ports and replicas are int32; 1.5 or 1e308 fails decoding ("cannot unmarshal number").
const int32: SchemaNode = { type: 'integer', format: 'int32' };
const strMap: SchemaNode = { type: 'object', additionalProperties: str };
const strList: SchemaNode = { type: 'array', items: str };
const container: SchemaNode = {
  type: 'object',
  properties: {
    name: str,
    image: str,
    command: strList,
    args: strList,
    ports: {
      type: 'array',
      items: { type: 'object', properties: { containerPort: int32, name: str, protocol: str } },
    },
    env: { type: 'array', items: { type: 'object', properties: { name: str, value: str } } },
  },
};
const podSpec: SchemaNode = {
  type: 'object',
  properties: {
    containers: { type: 'array', items: container },
    initContainers: { type: 'array', items: container },
    serviceAccountName: str,
    serviceAccount: str,
    hostNetwork: { type: 'boolean' },
  },
};
const meta: SchemaNode = {
  type: 'object',
  properties: { name: str, namespace: str, labels: strMap, annotations: strMap },
};

/** The Kubernetes core/apps fields Switchyard reads (k8s.io/api core/v1 and apps/v1 types). */
const CORE: Readonly<Record<string, SchemaNode>> = {
  Service: {
    type: 'object',
    properties: {
      ports: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: str,
            port: int32,
            targetPort: { type: ['integer', 'string'], format: 'int32' },
            nodePort: int32,
            protocol: str,
            appProtocol: str,
          },
        },
      },
      selector: strMap,
      clusterIP: str,
      clusterIPs: strList,
      externalIPs: strList,
      externalName: str,
      type: str,
    },
  },
  Pod: podSpec,
  Deployment: {
    type: 'object',
    properties: {
      replicas: int32,
      selector: { type: 'object', properties: { matchLabels: strMap } },
      template: { type: 'object', properties: { metadata: meta, spec: podSpec } },
    },
  },
};

/** Top-level fields outside spec that Switchyard reads (Secret/ConfigMap data, status). */
const TOP: Readonly<Record<string, SchemaNode>> = {
  data: strMap,
  stringData: strMap,
  status: { type: 'object' },
};

function typeProblems(problems: SchemaProblem[]): SchemaProblem[] {
  return problems.filter((p) => p.message.includes(' must be of type '));
}

/** Null list items: protojson refuses them in repeated fields (google.golang.org/protobuf encoding/protojson decode.go). */
function nullItems(value: unknown, path: (string | number)[], out: SchemaProblem[]): void {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      if (v === null)
        out.push({
          path: [...path, i],
          message: `Invalid value: "null": ${formatFieldPath([...path, i])} in body must be of type object or string`,
          hint: 'remove the empty list item',
        });
      else nullItems(v, [...path, i], out);
    });
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) nullItems(v, [...path, k], out);
}

/** The wrong-type fields of a resource; empty when it decodes. */
export function decodeProblems(resource: Resource): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const spec = resource.spec;
  if (spec !== undefined && spec !== null && (typeof spec !== 'object' || Array.isArray(spec)))
    return walkSchema(spec, { type: 'object' }, {}, ['spec']);
  const schema = specSchema(resource.kind) ?? CORE[resource.kind];
  if (schema) out.push(...walkSchema(spec, schema, schema.$defs ?? {}, ['spec']));
  for (const [key, node] of Object.entries(TOP))
    if (key in resource.raw) out.push(...walkSchema(resource.raw[key], node, {}, [key]));
  out.push(...walkSchema(resource.raw.metadata, meta, {}, ['metadata']));
  nullItems(spec, ['spec'], out);
  return typeProblems(out);
}

/** Splits resources into those that decode and one Error diagnostic per object that does not. */
export function decodableResources(resources: readonly Resource[]): {
  resources: Resource[];
  diagnostics: ConfigDiagnostic[];
} {
  const ok: Resource[] = [];
  const diagnostics: ConfigDiagnostic[] = [];
  for (const r of resources) {
    const problems = decodeProblems(r);
    if (problems.length === 0) {
      ok.push(r);
      continue;
    }
    const first = problems[0]!;
    const position = r.source?.positionOf(first.path);
    diagnostics.push({
      level: 'Error',
      message: `failed parsing JSON for built-in type: ${first.message}`,
      resource: refOf(r),
      field: formatFieldPath(first.path),
      hint: first.hint,
      ...(position ? { position } : {}),
    });
  }
  return { resources: ok, diagnostics };
}

/**
 * A Deployment's (or Workload's) replica count: 1 when absent; 0 for a value Kubernetes would not
 * decode (a fraction, beyond int32, Infinity), so no loop ever runs to 1e308.
 */
export function replicaCount(value: unknown): number {
  if (value === undefined || value === null) return 1;
  return isDecodableInteger(value) ? Math.max(0, value as number) : 0;
}

function isDecodableInteger(value: unknown): boolean {
  return walkSchema(value, int32, {}).length === 0 && typeof value === 'number';
}
