// Parses multi-document YAML/JSON into Resources that remember where every field was written.
import { Composer, LineCounter, Parser, isMap, isSeq, isScalar, isPair } from 'yaml';
import { runSteps, type Steps } from '../runtime/steps.js';
import type { Node as YamlNode, Document } from 'yaml';
import { lookupKind } from './kinds.js';
import type {
  ConfigDiagnostic,
  FieldPath,
  Resource,
  ResourceSource,
  SourcePosition,
} from './types.js';

export interface ParseOptions {
  /** Namespace for objects without metadata.namespace (kubectl/istioctl: `default` unless -n). */
  defaultNamespace?: string;
}

export interface ParseResult {
  resources: Resource[];
  /** Objects of kinds Switchyard does not read; reported, not fatal. */
  skipped: { apiVersion: string; kind: string; name: string; position: SourcePosition }[];
  diagnostics: ConfigDiagnostic[];
  /**
   * A document without apiVersion/kind that is a plain MeshConfig (its top-level keys are MeshConfig
   * fields) or an IstioOperator fragment (`spec.meshConfig`); the MeshConfig object as written.
   */
  meshConfig?: { value: Record<string, unknown>; position: SourcePosition };
}

// MeshConfig top-level fields (istio/api mesh/v1alpha1/config.proto), to recognise a bare mesh config file.
const MESH_CONFIG_FIELDS = new Set([
  'accessLogEncoding',
  'accessLogFile',
  'accessLogFormat',
  'caCertificates',
  'certificates',
  'configSources',
  'connectTimeout',
  'defaultConfig',
  'defaultDestinationRuleExportTo',
  'defaultHttpRetryPolicy',
  'defaultProviders',
  'defaultServiceExportTo',
  'defaultVirtualServiceExportTo',
  'disableEnvoyListenerLog',
  'discoverySelectors',
  'dnsRefreshRate',
  'enableAutoMtls',
  'enableEnvoyAccessLogService',
  'enablePrometheusMerge',
  'enableTracing',
  'extensionProviders',
  'h2UpgradePolicy',
  'inboundClusterStatName',
  'inboundTrafficPolicy',
  'ingressClass',
  'ingressControllerMode',
  'ingressSelector',
  'ingressService',
  'localityLbSetting',
  'meshMTLS',
  'outboundClusterStatName',
  'outboundTrafficPolicy',
  'pathNormalization',
  'protocolDetectionTimeout',
  'proxyHttpPort',
  'proxyListenPort',
  'rootNamespace',
  'serviceScopeConfigs',
  'serviceSettings',
  'tcpKeepalive',
  'tlsDefaults',
  'trustDomain',
  'trustDomainAliases',
  'verifyCertificateAtClient',
  'defaultInboundHttpRetryPolicy',
  'shadowHostSuffix',
]);

/** The MeshConfig inside a kind-less document, if it is one (bare MeshConfig or IstioOperator `spec.meshConfig`). */
function meshConfigOf(obj: Record<string, unknown>): Record<string, unknown> | undefined {
  const keys = Object.keys(obj);
  if (keys.length > 0 && keys.every((k) => MESH_CONFIG_FIELDS.has(k))) return obj;
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (keys.length === 1 && spec && typeof spec === 'object' && !Array.isArray(spec)) {
    const mc = spec.meshConfig;
    if (mc && typeof mc === 'object' && !Array.isArray(mc)) return mc as Record<string, unknown>;
  }
  return undefined;
}

/** Parses one file's text. Syntax errors become Error diagnostics with the line they were found on. */
/** Alias expansions allowed in one object: plenty for anchors in real config, far too few for a bomb. */
const MAX_ALIAS_COUNT = 1000;

export function parseResources(
  text: string,
  file: string,
  options: ParseOptions = {},
): ParseResult {
  return runSteps(parseResourcesSteps(text, file, options));
}

/**
 * parseResources as steps (runtime/steps.ts): one document at a time, so a large apply body can be
 * parsed in event-loop slices. The documents come from yaml's Parser and Composer as
 * parseAllDocuments composes them.
 */
export function* parseResourcesSteps(
  text: string,
  file: string,
  options: ParseOptions = {},
): Steps<ParseResult> {
  const lineCounter = new LineCounter();
  const result: ParseResult = { resources: [], skipped: [], diagnostics: [] };
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true });
  const posAt = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  for (const doc of composer.compose(parser.parse(text))) {
    yield;
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        result.diagnostics.push({
          level: 'Error',
          message: `invalid YAML: ${err.message.split('\n')[0]}`,
          position: posAt(err.pos[0]),
        });
      }
      continue;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    collect(doc, doc.contents, [], file, posAt, options, result);
  }
  return result;
}

function collect(
  doc: Document,
  node: YamlNode,
  basePath: (string | number)[],
  file: string,
  posAt: (offset: number) => SourcePosition,
  options: ParseOptions,
  result: ParseResult,
): void {
  const start = posAt(node.range?.[0] ?? 0);
  if (!isMap(node)) {
    result.diagnostics.push({
      level: 'Error',
      message: 'expected a Kubernetes object (a YAML mapping)',
      position: start,
    });
    return;
  }
  // toJS(doc) resolves YAML aliases (`*a`) against the document; toJSON() alone would not. An alias
  // bomb (billion laughs) is refused as kubectl's YAML decoder refuses it (go-yaml/yaml decode.go:
  // "document contains excessive aliasing"), never expanded.
  let obj: Record<string, unknown>;
  try {
    obj = node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    result.diagnostics.push({
      level: 'Error',
      message: /excessive alias/i.test(err.message)
        ? `invalid YAML: document contains excessive aliasing (more than ${MAX_ALIAS_COUNT} alias expansions)`
        : `invalid YAML: ${err.message}`,
      position: start,
    });
    return;
  }
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (kind === 'List' || kind.endsWith('List')) {
    const items = node.get('items', true);
    if (isSeq(items)) {
      items.items.forEach((item, i) => {
        if (item && typeof item === 'object' && 'range' in item) {
          collect(doc, item as YamlNode, [...basePath, 'items', i], file, posAt, options, result);
        }
      });
    }
    return;
  }
  if (!apiVersion && !kind) {
    const mesh = meshConfigOf(obj);
    if (mesh) {
      result.meshConfig = { value: mesh, position: start };
      return;
    }
  }
  if (!apiVersion || !kind) {
    result.diagnostics.push({
      level: 'Error',
      message: `object has no ${!apiVersion ? 'apiVersion' : 'kind'}`,
      position: start,
      hint: 'every document needs apiVersion and kind, e.g. apiVersion: networking.istio.io/v1, kind: VirtualService',
    });
    return;
  }
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  const info = lookupKind(apiVersion, kind);
  if (!info) {
    result.skipped.push({ apiVersion, kind, name, position: start });
    return;
  }
  const explicitNs = typeof meta.namespace === 'string' && meta.namespace !== '';
  const namespace = info.namespaced
    ? explicitNs
      ? (meta.namespace as string)
      : (options.defaultNamespace ?? 'default')
    : '';
  const source = makeSource(node, start, posAt);
  const resource: Resource = {
    apiVersion,
    kind:
      info.kind === 'Gateway' && info.group !== 'networking.istio.io'
        ? 'KubernetesGateway'
        : info.kind,
    metadata: {
      name,
      namespace,
      labels: stringMap(meta.labels),
      annotations: stringMap(meta.annotations),
      ...(typeof meta.creationTimestamp === 'string'
        ? { creationTimestamp: meta.creationTimestamp }
        : {}),
      ...(typeof meta.resourceVersion === 'string'
        ? { resourceVersion: meta.resourceVersion }
        : {}),
      ...(typeof meta.generation === 'number' ? { generation: meta.generation } : {}),
    },
    namespaceExplicit: explicitNs,
    spec: (obj.spec ?? {}) as unknown,
    raw: obj,
    source,
  };
  result.resources.push(resource);
  deprecationWarnings(resource, result.diagnostics);
}

/**
 * Deprecated fields that still load (Istio keeps them; istioctl's deprecation analyzer flags them as
 * IST0002): warned at load, not by validation, so `validate` stays equal to the webhook.
 */
function deprecationWarnings(resource: Resource, out: ConfigDiagnostic[]): void {
  if (resource.kind !== 'VirtualService') return;
  const http = (resource.spec as { http?: unknown } | null)?.http;
  if (!Array.isArray(http)) return;
  http.forEach((route: unknown, i) => {
    const delay = (route as { fault?: { delay?: Record<string, unknown> } } | null)?.fault?.delay;
    if (delay && typeof delay === 'object' && delay.percent !== undefined) {
      const path = ['spec', 'http', i, 'fault', 'delay', 'percent'];
      out.push({
        level: 'Warning',
        message:
          'HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage',
        ...(resource.source ? { position: resource.source.positionOf(path) } : {}),
        resource: {
          kind: resource.kind,
          namespace: resource.metadata.namespace,
          name: resource.metadata.name,
        },
        field: `spec.http[${i}].fault.delay.percent`,
        hint: 'write percentage: {value: N} (a double, 0.0001..100)',
      });
    }
  });
}

function makeSource(
  root: YamlNode,
  start: SourcePosition,
  posAt: (offset: number) => SourcePosition,
): ResourceSource {
  return {
    ...start,
    positionOf(path: FieldPath): SourcePosition {
      let node: unknown = root;
      let best = start;
      for (const key of path) {
        let next: unknown;
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
          );
          if (pair && isPair(pair)) {
            const keyNode = pair.key as YamlNode;
            if (keyNode.range) best = posAt(keyNode.range[0]);
            next = pair.value;
          }
        } else if (isSeq(node) && typeof key === 'number') {
          next = node.items[key];
          const r = (next as YamlNode | undefined)?.range;
          if (r) best = posAt(r[0]);
        }
        if (next === undefined || next === null) return best;
        node = next;
      }
      return best;
    },
  };
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v !== null && v !== undefined) out[k] = String(v);
    }
  }
  return out;
}
