// Discovery documents exactly as a Kubernetes API server answers them (/version, /api, /apis, the
// per group-version resource lists and aggregated discovery), built from the resource catalog.
import {
  API_RESOURCES,
  apiGroups,
  groupVersionString,
  resourcesIn,
  type ApiResource,
} from './catalog.js';

/** An answer to one request: `body` is a JSON value, or bytes to write as they are (protobuf). */
export interface KubeResponse {
  status: number;
  contentType: string;
  body: unknown;
  /** Extra response headers (Cache-Control, ETag), when the API server sends them. */
  headers?: Record<string, string>;
}

/** What `/version` reports; the version Switchyard speaks for. */
export interface ServerVersionOptions {
  /** e.g. `node v20.20.0` in place of Go's version; defaults to the running Node's. */
  runtimeVersion?: string;
  /** `os/arch` as Go spells it; defaults to the running process's. */
  platform?: string;
}

/** The Kubernetes minor version whose API Switchyard serves (kubectl 1.32..1.34 are within skew). */
export const KUBE_MAJOR = '1';
export const KUBE_MINOR = '33';
/** `+switchyard` is semver build metadata: kubectl parses the version and shows it is not a real cluster. */
export const SERVER_GIT_VERSION = `v${KUBE_MAJOR}.${KUBE_MINOR}.0+switchyard`;

const JSON_TYPE = 'application/json';
// k8s.io/client-go discovery/discovery_client.go: AcceptV2, AcceptV2Beta1 (response Content-Type is
// matched by its g/v/as parameters, see discovery.ContentTypeIsGVK).
export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 =
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** A `meta.k8s.io/v1 Status` failure as the API server writes it (apimachinery pkg/api/errors). */
export function statusFailure(code: number, reason: string, message: string): KubeResponse {
  return {
    status: code,
    contentType: JSON_TYPE,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      details: {},
      code,
    },
  };
}

// k8s.io/apiserver pkg/endpoints/handlers/responsewriters (NotFound for an unknown path).
const notFound = (): KubeResponse =>
  statusFailure(404, 'NotFound', 'the server could not find the requested resource');

function ok(body: unknown, contentType = JSON_TYPE): KubeResponse {
  return { status: 200, contentType, body };
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/** Splits an Accept header into media ranges in the client's order (parameters lower-cased keys). */
export function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept || !accept.trim()) return [{ type: '*/*', params: {} }];
  return accept.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).toLowerCase()] = p.slice(eq + 1).replace(/^"|"$/g, '');
    }
    return { type: type.toLowerCase(), params };
  });
}

type DiscoveryFormat = 'v2' | 'v2beta1' | 'json';

/**
 * The first format the client accepts among aggregated v2, v2beta1 and plain JSON, in the client's
 * order; undefined when it accepts none (e.g. protobuf only). Aggregated forms exist only for /api
 * and /apis (k8s.io/apiserver pkg/endpoints/discovery/aggregated/wrapper.go).
 */
function negotiate(
  accept: string | undefined,
  aggregatedAllowed: boolean,
): DiscoveryFormat | undefined {
  for (const m of parseAccept(accept)) {
    const jsonish = m.type === 'application/json' || m.type === 'application/*' || m.type === '*/*';
    if (!jsonish) continue;
    if (m.params.g === undefined && m.params.as === undefined) return 'json';
    if (
      aggregatedAllowed &&
      m.type === 'application/json' &&
      m.params.g === 'apidiscovery.k8s.io' &&
      m.params.as === 'APIGroupDiscoveryList'
    ) {
      if (m.params.v === 'v2') return 'v2';
      if (m.params.v === 'v2beta1') return 'v2beta1';
    }
  }
  return undefined;
}

const notAcceptable = (): KubeResponse =>
  statusFailure(
    406,
    'NotAcceptable',
    'only the following media types are accepted: application/json, ' +
      `${AGGREGATED_V2}, ${AGGREGATED_V2BETA1}`,
  );

/** The bytes to write for a response: JSON text, or the body itself when it is bytes. */
export function responseBytes(r: KubeResponse): Buffer {
  return r.body instanceof Uint8Array ? Buffer.from(r.body) : Buffer.from(JSON.stringify(r.body));
}

/** `/version` (k8s.io/apimachinery pkg/version Info). */
export function serverVersion(options: ServerVersionOptions = {}): Record<string, string> {
  return {
    major: KUBE_MAJOR,
    minor: KUBE_MINOR,
    gitVersion: SERVER_GIT_VERSION,
    gitCommit: '',
    gitTreeState: '',
    buildDate: '',
    goVersion: options.runtimeVersion ?? `node ${process.version}`,
    compiler: 'switchyard',
    platform: options.platform ?? goPlatform(),
  };
}

function goPlatform(): string {
  const arch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
  return `${process.platform}/${arch[process.arch] ?? process.arch}`;
}

/** `/api`: the legacy group's versions (metav1.APIVersions). */
export function apiVersions(serverAddress = '127.0.0.1'): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

const groupVersionRef = (group: string, version: string) => ({
  groupVersion: groupVersionString(group, version),
  version,
});

function apiGroupObject(group: string): Record<string, unknown> | undefined {
  const g = apiGroups().find((x) => x.group === group && group !== '');
  if (!g) return undefined;
  return {
    name: g.group,
    versions: g.versions.map((v) => groupVersionRef(g.group, v)),
    preferredVersion: groupVersionRef(g.group, g.preferredVersion),
  };
}

/** `/apis`: every named group (metav1.APIGroupList). */
export function apiGroupList(): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: apiGroups()
      .filter((g) => g.group !== '')
      .map((g) => apiGroupObject(g.group)),
  };
}

const byName = (a: { name: string }, b: { name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** `/api/v1` or `/apis/<group>/<version>` (metav1.APIResourceList); undefined when not served. */
export function apiResourceList(group: string, version: string): unknown {
  const resources = resourcesIn(group, version);
  if (resources.length === 0) return undefined;
  const entries: Record<string, unknown>[] = [];
  for (const r of resources) {
    entries.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    // Subresources are listed as `<resource>/<sub>` entries (apiserver endpoints/installer.go).
    for (const s of r.subresources)
      entries.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group } : {}),
        ...(s.version !== undefined ? { version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersionString(group, version),
    resources: entries.sort((a, b) => byName(a as { name: string }, b as { name: string })),
  };
}

/** One resource as aggregated discovery lists it (apidiscovery.k8s.io APIResourceDiscovery). */
function resourceDiscovery(r: ApiResource, version: string): Record<string, unknown> {
  return {
    resource: r.plural,
    responseKind: { group: r.group, version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: {
              group: s.group ?? r.group,
              version: s.version ?? version,
              kind: s.kind,
            },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/**
 * `/api` or `/apis` in the aggregated form (apidiscovery.k8s.io APIGroupDiscoveryList): `legacy`
 * is the core group alone, otherwise every named group; versions preferred first.
 */
export function aggregatedDiscovery(legacy: boolean, apiVersion: 'v2' | 'v2beta1' = 'v2'): unknown {
  const groups = apiGroups().filter((g) => (g.group === '') === legacy);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: resourcesIn(g.group, v)
          .sort((a, b) => (a.plural < b.plural ? -1 : 1))
          .map((r) => resourceDiscovery(r, v)),
        freshness: 'Current',
      })),
    })),
  };
}

/** Options for answering discovery requests. */
export interface DiscoveryOptions extends ServerVersionOptions {
  /** host:port reported in `/api` serverAddressByClientCIDRs. */
  serverAddress?: string;
}

/**
 * Answers a discovery request (GET) for `path` (query string allowed) and the client's Accept
 * header; undefined when `path` is not a discovery path (resource paths fall through).
 */
export function discoveryResponse(
  path: string,
  accept: string | undefined,
  options: DiscoveryOptions = {},
): KubeResponse | undefined {
  const clean = (path.split('?')[0] ?? '').replace(/\/+$/, '') || '/';
  const parts = clean.split('/').filter(Boolean);
  if (clean === '/version') return ok(serverVersion(options));
  if (parts[0] !== 'api' && parts[0] !== 'apis') return undefined;
  const root = parts.length === 1;
  const format = negotiate(accept, root);
  if (parts[0] === 'api') {
    if (parts.length > 2) return undefined;
    if (!format) return notAcceptable();
    if (root) {
      if (format === 'json') return ok(apiVersions(options.serverAddress));
      return ok(
        aggregatedDiscovery(true, format),
        format === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1,
      );
    }
    const list = apiResourceList('', parts[1] ?? '');
    return list ? ok(list) : notFound();
  }
  if (parts.length > 3) return undefined;
  if (!format) return notAcceptable();
  if (root) {
    if (format === 'json') return ok(apiGroupList());
    return ok(
      aggregatedDiscovery(false, format),
      format === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1,
    );
  }
  const group = parts[1] ?? '';
  if (parts.length === 2) {
    const g = apiGroupObject(group);
    return g ? ok({ kind: 'APIGroup', apiVersion: 'v1', ...g }) : notFound();
  }
  const list = apiResourceList(group, parts[2] ?? '');
  return list ? ok(list) : notFound();
}

/** Every served group/version as `kubectl api-versions` lists it. */
export function servedGroupVersions(): string[] {
  const out: string[] = [];
  for (const r of API_RESOURCES)
    for (const v of r.versions) {
      const gv = groupVersionString(r.group, v);
      if (!out.includes(gv)) out.push(gv);
    }
  return out;
}
