// The OpenAPI documents kubectl reads: /openapi/v3 (index + one document per group/version, used by
// `kubectl explain` and by apply's field-validation and patch checks) and /openapi/v2 (JSON).
import { createHash } from 'node:crypto';
import { apiGroups, groupVersionString, resourcesIn, type ApiResource } from './catalog.js';
import { SERVER_GIT_VERSION, parseAccept, statusFailure, type KubeResponse } from './discovery.js';
import { encodeOpenApiV2 } from './openapi-v2-proto.js';
import {
  closure,
  definitionName,
  kindSchemas,
  ref,
  type OpenApiSchema,
} from './openapi-schemas.js';

/** `api/v1` or `apis/<group>/<version>`: the key of a group-version in the /openapi/v3 index. */
export function openapiV3Key(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const queryParam = (name: string, description: string) => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string', uniqueItems: true },
});

// Query parameters of a PATCH as the API server documents them; kubectl checks that `fieldValidation`
// is among them to let the server validate (k8s.io/cli-runtime pkg/resource/query_param_verifier_v3.go).
const PATCH_PARAMS = [
  queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParam(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  queryParam(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.',
  ),
  {
    name: 'force',
    in: 'query',
    description: 'Force is going to "force" Apply requests.',
    schema: { type: 'boolean', uniqueItems: true },
  },
];
const WRITE_PARAMS = PATCH_PARAMS.slice(0, 3);

/**
 * Patch media types. Built-in kinds omit strategic merge patch on purpose: kubectl then computes
 * apply patches from its compiled-in types (k8s.io/kubectl pkg/cmd/apply/patcher.go
 * gvkSupportsPatchOpenAPIV3), which carry the list merge keys this minimal schema lacks.
 */
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

function operation(
  r: ApiResource,
  version: string,
  action: string,
  verb: string,
  schemaName: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const kindPart = r.kind;
  const ns = r.namespaced ? 'Namespaced' : '';
  const op = `${verb}${ns}${kindPart}`;
  return {
    description: `${action} ${r.kind}`,
    operationId: `${op}${groupVersionString(r.group, version).replace(/[./]/g, '_')}`,
    responses: {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: ref(schemaName) } },
      },
    },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: r.group, version, kind: r.kind },
    ...extra,
  };
}

const body = (schemaName: string, types: readonly string[] = ['application/json']) => ({
  requestBody: {
    required: true,
    content: Object.fromEntries(types.map((t) => [t, { schema: ref(schemaName) }])),
  },
});

function resourcePaths(r: ApiResource, version: string): Record<string, unknown> {
  const root = r.group ? `/apis/${r.group}/${version}` : `/api/${version}`;
  const collection = r.namespaced
    ? `${root}/namespaces/{namespace}/${r.plural}`
    : `${root}/${r.plural}`;
  const item = `${collection}/{name}`;
  const kind = definitionName(r, version);
  const list = definitionName(r, version, true);
  const has = (v: string) => r.verbs.includes(v);
  const pathParams = (names: string[]) => ({
    parameters: names.map((n) => ({
      name: n,
      in: 'path',
      required: true,
      description: `${n} of the ${n === 'name' ? r.kind : 'object'}`,
      schema: { type: 'string', uniqueItems: true },
    })),
  });
  const nsParams = r.namespaced ? ['namespace'] : [];
  const out: Record<string, unknown> = {};
  const collectionOps: Record<string, unknown> = { ...pathParams(nsParams) };
  if (has('list')) collectionOps.get = operation(r, version, 'list', 'list', list);
  if (has('create'))
    collectionOps.post = operation(r, version, 'post', 'create', kind, {
      parameters: WRITE_PARAMS,
      ...body(kind),
    });
  if (has('deletecollection'))
    collectionOps.delete = operation(r, version, 'deletecollection', 'deletecollection', kind);
  out[collection] = collectionOps;
  const itemOps: Record<string, unknown> = { ...pathParams([...nsParams, 'name']) };
  if (has('get')) itemOps.get = operation(r, version, 'get', 'read', kind);
  if (has('update'))
    itemOps.put = operation(r, version, 'put', 'replace', kind, {
      parameters: WRITE_PARAMS,
      ...body(kind),
    });
  if (has('patch'))
    itemOps.patch = operation(r, version, 'patch', 'patch', kind, {
      parameters: PATCH_PARAMS,
      ...body(kind, PATCH_TYPES),
    });
  if (has('delete')) itemOps.delete = operation(r, version, 'delete', 'delete', kind);
  out[item] = itemOps;
  if (r.namespaced && has('list'))
    out[`${root}/${r.plural}`] = {
      get: operation(r, version, 'list', `list${r.kind}ForAllNamespaces`, list),
    };
  return out;
}

/** The OpenAPI v3 document of one group/version, or undefined when it is not served. */
export function openapiV3Document(group: string, version: string): OpenApiSchema | undefined {
  const resources = resourcesIn(group, version);
  if (resources.length === 0) return undefined;
  let paths: Record<string, unknown> = {};
  let roots: Record<string, OpenApiSchema> = {};
  for (const r of resources) {
    paths = { ...paths, ...resourcePaths(r, version) };
    roots = { ...roots, ...kindSchemas(r, version) };
  }
  const schemas = closure(roots);
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_GIT_VERSION },
    paths,
    components: { schemas: sorted },
  };
}

const hashes = new Map<string, string>();

/** The document's hash as the API server publishes it: SHA-512, upper-case hex (kube-openapi handler3). */
function documentHash(key: string, doc: unknown): string {
  let h = hashes.get(key);
  if (!h) {
    h = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
    hashes.set(key, h);
  }
  return h;
}

/** `/openapi/v3`: every served group/version with its document's URL (kube-openapi handler3 OpenAPIV3Discovery). */
export function openapiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of apiGroups())
    for (const v of g.versions) {
      const key = openapiV3Key(g.group, v);
      const doc = openapiV3Document(g.group, v);
      paths[key] = { serverRelativeURL: `/openapi/${'v3'}/${key}?hash=${documentHash(key, doc)}` };
    }
  return { paths };
}

/**
 * A v3 schema as Swagger 2.0 spells it, as the API server publishes CRDs in v2
 * (k8s.io/apiextensions-apiserver pkg/controller/openapi/v2/conversion.go): a described reference
 * is `{description, $ref}`, and a schema that preserves unknown fields or is int-or-string has no
 * type (kubectl reads it as arbitrary).
 */
function toV2(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s = { ...(schema as Record<string, unknown>) };
  const only =
    Array.isArray(s.allOf) && s.allOf.length === 1 ? (s.allOf[0] as OpenApiSchema) : undefined;
  if (only && typeof only.$ref === 'string') {
    delete s.allOf;
    s.$ref = only.$ref;
  }
  if (typeof s.$ref === 'string')
    s.$ref = s.$ref.replace('#/components/schemas/', '#/definitions/');
  if (
    (s['x-kubernetes-preserve-unknown-fields'] === true && !s.properties) ||
    s['x-kubernetes-int-or-string']
  )
    delete s.type;
  // Only schema-valued keywords are walked: `properties` may name a field `enum` or `default`.
  if (s.properties && typeof s.properties === 'object')
    s.properties = Object.fromEntries(
      Object.entries(s.properties).map(([name, v]) => [name, toV2(v)]),
    );
  if (s.items) s.items = toV2(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    s.additionalProperties = toV2(s.additionalProperties);
  if (Array.isArray(s.allOf)) s.allOf = s.allOf.map(toV2);
  return s;
}

let v2Document: OpenApiSchema | undefined;

/** `/openapi/v2` (Swagger 2.0): every kind's definition; paths are left to v3. */
export function openapiV2Document(): OpenApiSchema {
  if (v2Document) return v2Document;
  const definitions: Record<string, unknown> = {};
  for (const g of apiGroups())
    for (const v of g.versions) {
      const doc = openapiV3Document(g.group, v);
      const schemas = (doc?.components as { schemas: Record<string, unknown> } | undefined)
        ?.schemas;
      for (const [name, schema] of Object.entries(schemas ?? {})) definitions[name] = toV2(schema);
    }
  v2Document = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: SERVER_GIT_VERSION },
    paths: {},
    definitions,
  };
  return v2Document;
}

/** The media type of the protobuf /openapi/v2 (k8s.io/client-go discovery openAPIV2mimePb). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
let v2Protobuf: Uint8Array | undefined;

function acceptsJson(accept: string | undefined): boolean {
  return parseAccept(accept).some((m) =>
    ['application/json', 'application/*', '*/*'].includes(m.type),
  );
}

/**
 * Answers GET `/openapi/v2`, `/openapi/v3` and `/openapi/v3/<api|apis/...>` (query string allowed);
 * undefined for any other path. JSON, and protobuf for /openapi/v2 (body is then a Uint8Array).
 */
export function openapiResponse(
  path: string,
  accept: string | undefined,
): KubeResponse | undefined {
  const [rawPath = '', query = ''] = path.split('?');
  const clean = rawPath.replace(/\/+$/, '');
  if (clean !== '/openapi/v2' && clean !== '/openapi/v3' && !clean.startsWith('/openapi/v3/'))
    return undefined;
  if (clean === '/openapi/v2' && parseAccept(accept).some((m) => m.type === OPENAPI_V2_PROTOBUF)) {
    v2Protobuf ??= encodeOpenApiV2(openapiV2Document());
    // kube-openapi pkg/handler answers the protobuf form as an octet stream (Go's mime parser
    // rejects the `@` of the requested type).
    return { status: 200, contentType: 'application/octet-stream', body: v2Protobuf };
  }
  if (!acceptsJson(accept))
    return statusFailure(
      406,
      'NotAcceptable',
      'only application/json is served for OpenAPI documents',
    );
  if (clean === '/openapi/v2')
    return { status: 200, contentType: 'application/json', body: openapiV2Document() };
  if (clean === '/openapi/v3')
    return { status: 200, contentType: 'application/json', body: openapiV3Index() };
  const key = clean.slice('/openapi/v3/'.length);
  const parts = key.split('/');
  const [group, version] =
    parts[0] === 'api' && parts.length === 2
      ? ['', parts[1] ?? '']
      : parts[0] === 'apis' && parts.length === 3
        ? [parts[1] ?? '', parts[2] ?? '']
        : ['', ''];
  const doc = version ? openapiV3Document(group, version) : undefined;
  if (!doc)
    return statusFailure(404, 'NotFound', 'the server could not find the requested resource');
  // A request naming the current hash may be cached for ever (kube-openapi handler3).
  const hash = new URLSearchParams(query).get('hash');
  const immutable = hash !== null && hash === documentHash(key, doc);
  return {
    status: 200,
    contentType: 'application/json',
    body: doc,
    headers: {
      'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
      Etag: `"${documentHash(key, doc)}"`,
    },
  };
}
