// The loaded-resource model shared by every stage: a Kubernetes-style object plus where it came from.

export type Level = 'Error' | 'Warning' | 'Info';

export interface SourcePosition {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

/** A field path inside a resource, e.g. ['spec', 'http', 0, 'timeout']. */
export type FieldPath = readonly (string | number)[];

export interface ObjectMeta {
  name: string;
  /** Resolved namespace: metadata.namespace, else the default namespace of the load. */
  namespace: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  creationTimestamp?: string;
  resourceVersion?: string;
  generation?: number;
}

export interface Resource<S = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  /** True when the YAML itself set metadata.namespace (istioctl prints such origins differently). */
  namespaceExplicit: boolean;
  spec: S;
  /** The whole object as it was read (for kinds whose data is outside spec: Secret, ConfigMap, status). */
  raw: Readonly<Record<string, unknown>>;
  /** Where the object starts and how to find any field's position. */
  source?: ResourceSource;
}

export interface ResourceSource extends SourcePosition {
  /** Position of a field path relative to the resource (e.g. ['spec','hosts',0]); nearest existing ancestor. */
  positionOf(path: FieldPath): SourcePosition;
}

/** A problem found while loading, validating or analysing, ready to print with file:line. */
export interface ConfigDiagnostic {
  level: Level;
  message: string;
  /** Where: the field's position when known, else the resource's. */
  position?: SourcePosition;
  /** kind + namespace/name of the resource, when it is about one. */
  resource?: ResourceRef;
  /** Field path in dotted form, e.g. spec.http[0].timeout. */
  field?: string;
  /** What to write instead. */
  hint?: string;
  /** A stable code when the problem has one (istioctl's IST0130/IST0131 from validation warnings). */
  code?: string;
}

export interface ResourceRef {
  kind: string;
  namespace: string;
  name: string;
}

export function resourceKey(r: {
  kind: string;
  metadata: { namespace: string; name: string };
}): string {
  return `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
}

export function refOf(r: Resource): ResourceRef {
  return { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name };
}

/** Formats a field path as `spec.http[0].route[1].weight`. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/** One line for a terminal: `file:line:col: error: Kind ns/name: field: message (hint)`. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const where = d.position ? `${d.position.file}:${d.position.line}:${d.position.col}: ` : '';
  const who = d.resource ? `${d.resource.kind} ${d.resource.namespace}/${d.resource.name}: ` : '';
  const field = d.field ? `${d.field}: ` : '';
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${where}${d.level.toLowerCase()}: ${who}${field}${d.message}${hint}`;
}
