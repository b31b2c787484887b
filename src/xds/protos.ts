// The Envoy v3 API protos (as shipped by @grpc/grpc-js-xds under deps/: envoy-api, xds, googleapis,
// protoc-gen-validate) loaded once with protobufjs, and Any encoding with the real type URLs.
import '@grpc/proto-loader'; // registers google/protobuf/descriptor.proto, which validate.proto imports
import protobuf from 'protobufjs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Directory of the protos bundled with @grpc/grpc-js-xds. */
export const PROTO_DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
export const PROTO_INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map(
  (d) => join(PROTO_DEPS, d),
);

/** The roots we generate and serve; their imports come along. */
export const ROOT_PROTOS = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/status/v3/csds.proto',
  'envoy/admin/v3/config_dump.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
  'envoy/extensions/filters/network/sni_cluster/v3/sni_cluster.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
];

/** `type.googleapis.com/<full message name>`, as istiod's protoconv.MessageToAny writes it. */
export const TYPE_PREFIX = 'type.googleapis.com/';

export const TYPE = {
  listener: `${TYPE_PREFIX}envoy.config.listener.v3.Listener`,
  route: `${TYPE_PREFIX}envoy.config.route.v3.RouteConfiguration`,
  cluster: `${TYPE_PREFIX}envoy.config.cluster.v3.Cluster`,
  endpoint: `${TYPE_PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  hcm: `${TYPE_PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  tcpProxy: `${TYPE_PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  router: `${TYPE_PREFIX}envoy.extensions.filters.http.router.v3.Router`,
  fault: `${TYPE_PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  cors: `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.Cors`,
  corsPolicy: `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  upstreamTls: `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  downstreamTls: `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  httpProtocolOptions: `${TYPE_PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  previousHosts: `${TYPE_PREFIX}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`,
  previousPriorities: `${TYPE_PREFIX}envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig`,
  sniCluster: `${TYPE_PREFIX}envoy.extensions.filters.network.sni_cluster.v3.SniCluster`,
  originalDst: `${TYPE_PREFIX}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`,
  tlsInspector: `${TYPE_PREFIX}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  httpInspector: `${TYPE_PREFIX}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`,
  rawBuffer: `${TYPE_PREFIX}envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer`,
  secret: `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`,
} as const;

let loaded: protobuf.Root | undefined;

/** The loaded, resolved root (about a quarter second the first time). */
export function protoRoot(): protobuf.Root {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target)) return target;
    for (const dir of PROTO_INCLUDE_DIRS) {
      const p = join(dir, target);
      if (existsSync(p)) return p;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(ROOT_PROTOS, { keepCase: true });
  root.resolveAll();
  loaded = root;
  return root;
}

export function messageType(fullName: string): protobuf.Type {
  return protoRoot().lookupType(fullName);
}

/** The message type a type URL names. */
export function typeOfUrl(typeUrl: string): protobuf.Type | undefined {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  try {
    return protoRoot().lookupType(name);
  } catch {
    return undefined;
  }
}

/** A message as a plain object (snake_case fields; nested Any as `{'@type': url, ...fields}`). */
export type ProtoObject = Record<string, unknown>;

export interface EncodedAny {
  type_url: string;
  value: Uint8Array;
}

/** Encodes `{'@type': url, ...}` into a google.protobuf.Any; throws on an unknown type. */
export function encodeAny(resource: ProtoObject): EncodedAny {
  const typeUrl = resource['@type'];
  if (typeof typeUrl !== 'string') throw new Error('resource has no @type');
  const type = typeOfUrl(typeUrl);
  if (!type) throw new Error(`unknown type ${typeUrl}`);
  return { type_url: typeUrl, value: type.encode(type.fromObject(resource)).finish() };
}

/** Conversion options that give Envoy's JSON-ish object shape (enums as names, Any with @type). */
export const TO_OBJECT: protobuf.IConversionOptions = {
  enums: String,
  longs: Number,
  bytes: String,
  defaults: false,
  json: true,
};

/** Decodes an Any back into `{'@type': url, ...fields}`. */
export function decodeAny(any: EncodedAny): ProtoObject {
  const type = typeOfUrl(any.type_url);
  if (!type) throw new Error(`unknown type ${any.type_url}`);
  const message = type.decode(any.value);
  return { '@type': any.type_url, ...type.toObject(message, TO_OBJECT) };
}
