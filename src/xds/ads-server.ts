// The ADS server: envoy.service.discovery.v3.AggregatedDiscoveryService StreamAggregatedResources
// (state of the world) and DeltaAggregatedResources (incremental) over plaintext gRPC, serving the generator's resources for each connected
// node. Follows istiod's stream rules (istio/istio pilot/pkg/xds/ads.go, pkg/xds/server.go
// ShouldRespond): node.id required on the first request; per-type versions and nonces; an ACK
// records the acked nonce; a NACK (error_detail) is recorded and answered with nothing, so the proxy
// keeps its last good config; stale nonces are ignored; pushes go CDS -> EDS -> LDS -> RDS ("make
// before break", envoyproxy/envoy api/envoy/service/discovery/v3/discovery.proto), debounced like
// istiod's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX (pilot/pkg/features), and only the types whose
// content changed are pushed, so a change reaches only the proxies it affects.
import * as grpc from '@grpc/grpc-js';
import { createHash, randomUUID } from 'node:crypto';
import protobuf from 'protobufjs';
import { SnapshotCache, type ProxyIdentity, type ProxySnapshot } from '../compile/index.js';
import {
  encodeSnapshot,
  hashBytes,
  type EncodedByType,
  type EncodedResource,
} from './encoded-resources.js';
import type { MeshState } from './file-source.js';
import { fromStruct, parseNode, resolveIdentity, type XdsNode } from './node.js';
import { encodeAny, messageType, protoRoot, TYPE } from './protos.js';
import {
  certificateKey,
  meshSecrets,
  SECRET_TYPE,
  usesMeshSds,
  type SecretSource,
} from './secrets.js';
import { DEBUG_SYNCZ, syncz } from './syncz.js';
import { GrpcFrame } from './grpc-frame.js';

/** Push order: clusters, endpoints, listeners, routes (discovery.proto "eventual consistency"). */
export const PUSH_ORDER = [TYPE.cluster, TYPE.endpoint, TYPE.listener, TYPE.route] as const;
/** Types whose empty name list means "all" (LDS, CDS); EDS/RDS answer only the names asked. */
const WILDCARD_TYPES = new Set<string>([TYPE.listener, TYPE.cluster]);

export interface XdsServerOptions {
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** istiod PILOT_DEBOUNCE_AFTER default 100ms; PILOT_DEBOUNCE_MAX 10s. */
  debounceMs?: number;
  debounceMaxMs?: number;
  log?: (line: string) => void;
  /** The mesh CA's certificates for SDS (`default`, `ROOTCA`); without it SDS answers nothing. */
  secrets?: SecretSource;
  /**
   * Response bytes handed to gRPC and not yet written, across all streams (default: no cap): more
   * waits in per-stream queues of shared buffers, so a push to many proxies holds each copy only
   * while it is being written (istiod bounds concurrent pushes the same way, PILOT_PUSH_THROTTLE).
   */
  maxBytesInFlight?: number;
  /** A write not done after this long stops counting against maxBytesInFlight (default 2000 ms). */
  stalledWriteMs?: number;
}

/** One response handed to gRPC: its size counts against the budget until written or stalled. */
interface Write {
  size: number;
  at: number;
  counted: boolean;
}

type Message = Record<string, unknown> | Buffer | GrpcFrame;

/** One type's state on one stream (istiod's WatchedResource). */
export interface TypeWatch {
  typeUrl: string;
  /** Names subscribed; empty = wildcard (LDS/CDS). */
  names: string[];
  wildcard: boolean;
  nonceSent: string;
  versionSent: string;
  nonceAcked: string;
  versionAcked: string;
  /** Content hash of what was last sent (names + bytes), to push only on change. */
  sentHash: string;
  /** The last NACK: its nonce and error; cleared by the next ACK. */
  nack?: { nonce: string; message: string; version: string };
  /** Delta streams: the version of each resource the client has (sent, or initial_resource_versions). */
  known?: Map<string, string>;
}

export interface XdsConnection {
  id: string;
  node: XdsNode;
  /** Incremental (DeltaAggregatedResources) or state of the world. */
  delta: boolean;
  connectedAt: Date;
  watches: Map<string, TypeWatch>;
  pushes: number;
}

interface Conn extends XdsConnection {
  call: grpc.ServerDuplexStream<
    Record<string, unknown>,
    Record<string, unknown> | Buffer | GrpcFrame
  >;
  snapshot?: ProxySnapshot;
  identity?: ProxyIdentity;
  resources?: EncodedByType;
  /** SDS: this proxy's `default` and `ROOTCA` (its own, never shared with its group). */
  secrets?: Map<string, EncodedResource>;
  /** When its certificate rotates: fetched again and pushed (secrets.ts refreshInMs). */
  secretTimer?: NodeJS.Timeout;
  /** Responses handed to gRPC and not yet written to the HTTP/2 stream (flow control may hold them). */
  inflight: number;
  /** A push came while responses were in flight: it is sent, with the newest config, once they drain. */
  pushPending: boolean;
  /** Responses waiting for room in the bytes-in-flight budget, in order (shared buffers, no copies). */
  queue: { message: Message; size: number }[];
  /** This stream's writes handed to gRPC and not yet done. */
  writes: Set<Write>;
}

/**
 * Proxies with the same compile inputs share one compiled snapshot and its encoded resources:
 * kind, namespace, labels, service account, locality and generator, for nodes the registry does not
 * know as a workload and that get no inbound clusters (those name the pod, so each compiles alone).
 * istiod shares the same way through its XdsCache keys (namespace, labels, not the pod IP).
 */
interface Group {
  state: MeshState;
  snapshot: ProxySnapshot;
  resources: EncodedByType;
}

/** Inbound clusters carry the pod's own workload name: such a snapshot is one proxy's alone. */
function snapshotNamesPod(s: ProxySnapshot): boolean {
  for (const c of s.clusters.values()) if (c.direction === 'inbound') return true;
  return false;
}

/**
 * The new resources, with each type whose content did not change replaced by the previous map: the
 * encoded response bodies remembered for that map are then reused, not rebuilt to find them equal.
 */
function sameMaps(previous: EncodedByType, next: EncodedByType): EncodedByType {
  const out = new Map<string, ReadonlyMap<string, EncodedResource>>();
  for (const [type, m] of next) {
    const old = previous.get(type);
    const same =
      old !== undefined &&
      old.size === m.size &&
      [...m].every(([name, r]) => old.get(name)?.hash === r.hash);
    out.set(type, same ? old : m);
  }
  return out;
}

/** The bytes a response will take on the wire (delta responses: their resources' bytes). */
function messageSize(m: Message): number {
  if (Buffer.isBuffer(m)) return m.length;
  if (m instanceof GrpcFrame) return m.bytes.length - 5;
  const resources = (m.resources as { resource?: { value?: Uint8Array } }[] | undefined) ?? [];
  return resources.reduce((n, r) => n + (r.resource?.value?.length ?? 0), 0);
}

/** DiscoveryResponse.nonce (field 5) appended to an encoded body. */
function withNonce(body: Buffer, nonce: string): Buffer {
  return Buffer.concat([
    body,
    protobuf.Writer.create()
      .uint32((5 << 3) | 2)
      .string(nonce)
      .finish(),
  ]);
}

/** The same subscription: usually the very same order, else the same set (ACKs repeat the names). */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  if (a.every((n, i) => n === b[i])) return true;
  const set = new Set(b);
  return a.every((n) => set.has(n));
}

/** A SotW response body without its nonce, for one set of resources (shared by every proxy sent it). */
interface Body {
  hash: string;
  bytes: Buffer;
  /** The body with a nonce of its own, framed once and written to every stream it is new to. */
  nonce: string;
  framed: GrpcFrame;
}

type Req = Record<string, unknown> & {
  version_info?: string;
  node?: Record<string, unknown>;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string };
};

const SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

function hashOf(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

export class XdsServer {
  private readonly server = new grpc.Server();
  private readonly conns = new Map<string, Conn>();
  private readonly cache = new SnapshotCache();
  private state: MeshState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private firstPending = 0;
  private readonly log: (line: string) => void;
  private seq = 0;
  private readonly pushListeners = new Set<() => void>();
  private readonly groups = new Map<string, Group>();
  /** Group keys whose snapshot had inbound clusters: compiled per proxy. */
  private readonly unshared = new Set<string>();
  private readonly bodies = new WeakMap<ReadonlyMap<string, EncodedResource>, Map<string, Body>>();
  /** Bytes handed to gRPC and not yet written (stalled writes excepted), across all streams. */
  private bytesInFlight = 0;
  /** Connections with queued responses, served round-robin as the budget frees. */
  private readonly waiting: Conn[] = [];
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly namesKeys = new WeakMap<string[], string>();
  port = 0;

  constructor(private readonly options: XdsServerOptions) {
    this.log = options.log ?? (() => undefined);
    protoRoot();
    const req = messageType('envoy.service.discovery.v3.DiscoveryRequest');
    const res = messageType('envoy.service.discovery.v3.DiscoveryResponse');
    const method: grpc.MethodDefinition<Req, Record<string, unknown> | Buffer | GrpcFrame> = {
      path: `/${SERVICE}/StreamAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestSerialize: (m) => Buffer.from(req.encode(req.fromObject(m)).finish()),
      requestDeserialize: (b) =>
        req.toObject(req.decode(b), { longs: Number, enums: String, defaults: false }) as Req,
      // Pushes arrive pre-encoded (a shared frame, or a body with this stream's own nonce); debug
      // answers as objects. A GrpcFrame reaches this only where grpc-js copies frames (grpc-frame.ts).
      responseSerialize: (m) =>
        m instanceof GrpcFrame
          ? m.message
          : Buffer.isBuffer(m)
            ? m
            : Buffer.from(res.encode(res.fromObject(m)).finish()),
      responseDeserialize: (b) => res.toObject(res.decode(b), { longs: Number, enums: String }),
    };
    const dreq = messageType('envoy.service.discovery.v3.DeltaDiscoveryRequest');
    const dres = messageType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
    const delta: grpc.MethodDefinition<Req, Record<string, unknown>> = {
      path: `/${SERVICE}/DeltaAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestSerialize: (m) => Buffer.from(dreq.encode(dreq.fromObject(m)).finish()),
      requestDeserialize: (b) =>
        dreq.toObject(dreq.decode(b), { longs: Number, enums: String, defaults: false }) as Req,
      responseSerialize: (m) => Buffer.from(dres.encode(dres.fromObject(m)).finish()),
      responseDeserialize: (b) => dres.toObject(dres.decode(b), { longs: Number, enums: String }),
    };
    this.server.addService(
      {
        StreamAggregatedResources: method,
        DeltaAggregatedResources: delta,
      } as grpc.ServiceDefinition,
      {
        StreamAggregatedResources: (call: Conn['call']) => this.stream(call, false),
        DeltaAggregatedResources: (call: Conn['call']) => this.stream(call, true),
      },
    );
    // SDS on its own service too, where istio-agent serves it to Envoy's `sds-grpc` cluster
    // (envoyproxy/envoy api/envoy/service/secret/v3/sds.proto): same messages and stream rules.
    const sds = 'envoy.service.secret.v3.SecretDiscoveryService';
    this.server.addService(
      {
        StreamSecrets: { ...method, path: `/${sds}/StreamSecrets` },
        DeltaSecrets: { ...delta, path: `/${sds}/DeltaSecrets` },
      } as grpc.ServiceDefinition,
      {
        StreamSecrets: (call: Conn['call']) => this.stream(call, false),
        DeltaSecrets: (call: Conn['call']) => this.stream(call, true),
      },
    );
  }

  /** The resources of a type for a connection: its group's, or its own secrets (SDS). */
  private resourcesOf(c: Conn, typeUrl: string): ReadonlyMap<string, EncodedResource> | undefined {
    return typeUrl === SECRET_TYPE ? c.secrets : c.resources?.get(typeUrl);
  }

  /**
   * Fetches the connection's `default` and `ROOTCA` secrets from the mesh CA when its config uses
   * them (none otherwise: SDS then answers with no resources), then calls `then`.
   */
  private withSecrets(c: Conn, then: () => void): void {
    if (c.secrets) return then();
    const source = this.options.secrets;
    const ready = (m: Map<string, EncodedResource>, refreshInMs?: number) => {
      c.secrets = m;
      if (refreshInMs !== undefined) this.refreshSecretsIn(c, refreshInMs);
      if (this.conns.has(c.id)) then();
    };
    // Proxyless gRPC takes certificates from its own certificate providers, not SDS (grpcgen cds.go).
    if (
      !source ||
      !c.identity ||
      !c.snapshot ||
      c.node.generator !== 'envoy' ||
      !usesMeshSds(c.snapshot)
    )
      return ready(new Map());
    const { namespace, serviceAccount } = certificateKey(c.identity);
    source.workloadCertificate(namespace, serviceAccount).then(
      (cert) =>
        ready(
          new Map(
            meshSecrets(cert).map((r) => {
              const any = encodeAny(r);
              return [String(r.name), { any, hash: hashBytes(any.value) }];
            }),
          ),
          cert.refreshInMs,
        ),
      (err: Error) => {
        this.log(`xds: certificate for ${c.node.proxyName}: ${err.message}`);
        ready(new Map());
      },
    );
  }

  async start(): Promise<number> {
    const host = this.options.host ?? '127.0.0.1';
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(
        `${host}:${this.options.port}`,
        grpc.ServerCredentials.createInsecure(),
        (err, port) => (err ? reject(err) : resolve(port)),
      ),
    );
    return this.port;
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.stallTimer) clearTimeout(this.stallTimer);
    for (const c of this.conns.values()) c.call.end();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  /** The connected proxies and their per-type sync state (proxy-status). */
  connections(): readonly XdsConnection[] {
    return [...this.conns.values()];
  }

  /** A new config/registry: pushed to the affected proxies after the debounce. */
  update(state: MeshState): void {
    this.state = state;
    const debounce = this.options.debounceMs ?? 100;
    const max = this.options.debounceMaxMs ?? 10_000;
    const now = performance.now();
    if (!this.timer) this.firstPending = now;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(debounce, this.firstPending + max - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pushAll();
    }, wait);
  }

  /** Applies a state at once (first config before serving). */
  setState(state: MeshState): void {
    this.state = state;
  }

  /** Calls fn as each debounced push starts (benchmarks time the push apart from the debounce). */
  onPush(fn: () => void): () => void {
    this.pushListeners.add(fn);
    return () => this.pushListeners.delete(fn);
  }

  private pushAll(): void {
    for (const fn of this.pushListeners) fn();
    let pushed = 0;
    let waiting = 0;
    for (const c of this.conns.values()) {
      // A proxy still taking in earlier responses (a slow reader) is not queued more behind them:
      // it gets one push with the newest config once they are written (istiod's pushQueue merges
      // pushes for a connection that is busy the same way, pilot/pkg/xds/pushqueue.go).
      if (c.inflight > 0) {
        c.pushPending = true;
        waiting++;
      } else if (this.recompute(c) && this.pushChanged(c)) pushed++;
    }
    this.pruneGroups();
    if (this.conns.size > 0)
      this.log(
        `xds: config revision ${this.state?.config.revision ?? 0} pushed to ${pushed} of ${this.conns.size} proxies` +
          (waiting > 0
            ? ` (${waiting} still reading an earlier push: sent when they catch up)`
            : ''),
      );
  }

  private recompute(c: Conn): boolean {
    const state = this.state;
    if (!state) return false;
    try {
      const { identity, known } = resolveIdentity(c.node, state.registry);
      const key = this.groupKey(c.node, identity, known);
      let g = this.groups.get(key);
      if (!g || g.state !== state) {
        const snapshot = this.cache.compile(state.config, state.registry, identity);
        if (!key.startsWith('pod|') && snapshotNamesPod(snapshot)) {
          this.unshared.add(key);
          return this.recompute(c);
        }
        const resources = encodeSnapshot(snapshot, c.node.generator);
        g = { state, snapshot, resources: g ? sameMaps(g.resources, resources) : resources };
        this.groups.set(key, g);
      }
      c.snapshot = g.snapshot;
      c.identity = identity;
      c.resources = g.resources;
      return true;
    } catch (err) {
      this.log(
        `xds: compiling ${c.node.proxyName}: ${(err as Error).message}; it keeps its previous config`,
      );
      return false;
    }
  }

  private groupKey(node: XdsNode, identity: ProxyIdentity, known: boolean): string {
    const shared = JSON.stringify([
      node.generator,
      identity.kind,
      identity.namespace,
      Object.entries(identity.labels).sort(),
      identity.serviceAccount,
      identity.locality ?? '',
    ]);
    return known || this.unshared.has(shared) ? `pod|${node.generator}|${identity.id}` : shared;
  }

  /** Forgets groups no connected proxy uses (after a push, so each is compiled once per state). */
  private pruneGroups(): void {
    for (const [key, g] of this.groups) if (g.state !== this.state) this.groups.delete(key);
  }

  /** Pushes every watched type whose content changed, in push order; true when anything was sent. */
  private pushChanged(c: Conn): boolean {
    let any = false;
    for (const type of PUSH_ORDER) {
      const w = c.watches.get(type);
      if (w && (c.delta ? this.respondDelta(c, w, new Set()) : this.respond(c, w, false)))
        any = true;
    }
    return any;
  }

  /**
   * Sends a response, counting it in flight until gRPC has written it to the HTTP/2 stream. It goes
   * to gRPC (which copies it into its own frame) when the bytes-in-flight budget has room, else it
   * waits in the stream's queue, behind the stream's earlier responses.
   */
  private send(c: Conn, message: Message): void {
    c.inflight++;
    c.pushes++;
    const size = messageSize(message);
    if (c.queue.length === 0 && this.admits(size)) return this.write(c, message, size);
    c.queue.push({ message, size });
    if (c.queue.length === 1) this.waiting.push(c);
    this.armStallTimer();
  }

  /** Room for `size` more bytes; an idle budget always admits one response, however large. */
  private admits(size: number): boolean {
    // Off by default: a 32 MiB cap cut the bench's peak RSS by ~60-90 MB but doubled CPU per push
    // (docs/performance.md); per-stream coalescing already keeps a stalled stream to one response.
    const max = this.options.maxBytesInFlight ?? Infinity;
    return this.bytesInFlight === 0 || this.bytesInFlight + size <= max;
  }

  private write(c: Conn, message: Message, size: number): void {
    const w: Write = { size, at: performance.now(), counted: true };
    this.bytesInFlight += size;
    c.writes.add(w);
    c.call.write(message, () => {
      c.writes.delete(w);
      this.release(w);
      c.inflight--;
      this.drain();
      if (c.inflight === 0 && c.pushPending && this.conns.has(c.id)) {
        c.pushPending = false;
        if (this.recompute(c)) this.pushChanged(c);
      }
    });
  }

  private release(w: Write): void {
    if (!w.counted) return;
    w.counted = false;
    this.bytesInFlight -= w.size;
  }

  /** Hands queued responses to gRPC while the budget has room, one per connection in turn. */
  private drain(): void {
    while (this.waiting.length > 0) {
      const c = this.waiting[0]!;
      const next = c.queue[0];
      if (!next || !this.conns.has(c.id)) {
        this.waiting.shift();
        continue;
      }
      if (!this.admits(next.size)) return;
      c.queue.shift();
      this.waiting.shift();
      if (c.queue.length > 0) this.waiting.push(c);
      this.write(c, next.message, next.size);
    }
  }

  /**
   * While responses wait, a stream that stopped reading (HTTP/2 flow control) must not hold the
   * budget from the others: its writes older than stalledWriteMs stop counting.
   */
  private armStallTimer(): void {
    if (this.stallTimer) return;
    const after = this.options.stalledWriteMs ?? 2000;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      const before = performance.now() - after;
      for (const c of this.conns.values())
        for (const w of c.writes) if (w.at <= before) this.release(w);
      this.drain();
      if (this.waiting.length > 0) this.armStallTimer();
    }, after);
    this.stallTimer.unref();
  }

  /**
   * At the certificate's rotation time: the secrets are fetched again and, where they changed, pushed
   * to the connection's SDS watch (istio-agent pushes a rotated certificate the same way). At least a
   * second apart, should a source hand out the same certificate again.
   */
  private refreshSecretsIn(c: Conn, ms: number): void {
    if (c.secretTimer) clearTimeout(c.secretTimer);
    c.secretTimer = setTimeout(
      () => {
        c.secretTimer = undefined;
        if (!this.conns.has(c.id)) return;
        c.secrets = undefined;
        this.withSecrets(c, () => {
          const w = c.watches.get(SECRET_TYPE);
          if (!w) return;
          if (c.delta) this.respondDelta(c, w, new Set());
          else this.respond(c, w, false);
        });
      },
      Math.max(ms, 1000),
    );
    c.secretTimer.unref();
  }

  /** A closed stream's writes and queue no longer hold the budget (nor its rotation timer run). */
  private forget(c: Conn): void {
    if (c.secretTimer) clearTimeout(c.secretTimer);
    for (const w of c.writes) this.release(w);
    c.writes.clear();
    c.queue.length = 0;
    this.drain();
  }

  /**
   * The encoded DiscoveryResponse fields but the nonce (version_info, resources, type_url) for a set
   * of resources, remembered per resource map and name list: every proxy sent the same set shares it.
   */
  private body(
    typeUrl: string,
    all: ReadonlyMap<string, EncodedResource> | undefined,
    w: TypeWatch,
  ): Body {
    const namesKey = w.wildcard ? '*' : this.namesKey(w.names);
    const cache = all ? this.bodies.get(all) : undefined;
    const hit = cache?.get(namesKey);
    if (hit) return hit;
    const names = !all
      ? []
      : w.wildcard
        ? [...all.keys()].sort()
        : w.names.filter((n) => all.has(n));
    const items = names.map((n) => all!.get(n)!);
    const hash = hashOf([typeUrl, ...names.flatMap((n, i) => [n, items[i]!.hash])]);
    // The version names the content (same content, same version across streams and restarts).
    const writer = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string(all ? hash : '');
    for (const e of items) {
      // DiscoveryResponse.resources (2): google.protobuf.Any {type_url = 1, value = 2}.
      const any = protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .string(e.any.type_url)
        .uint32((2 << 3) | 2)
        .bytes(e.any.value)
        .finish();
      writer.uint32((2 << 3) | 2).bytes(any);
    }
    writer.uint32((4 << 3) | 2).string(typeUrl);
    const bytes = Buffer.from(writer.finish());
    const nonce = randomUUID();
    const body = { hash, bytes, nonce, framed: new GrpcFrame(withNonce(bytes, nonce)) };
    if (all) {
      let m = cache;
      if (!m) this.bodies.set(all, (m = new Map()));
      if (m.size > 64) m.clear();
      m.set(namesKey, body);
    }
    return body;
  }

  /** A subscription's names as one string, made once per list (V8 then keeps its hash). */
  private namesKey(names: string[]): string {
    let key = this.namesKeys.get(names);
    if (key === undefined) this.namesKeys.set(names, (key = names.join('\n')));
    return key;
  }

  /** Sends the type's resources if forced or changed since the last send; true when sent. */
  private respond(c: Conn, w: TypeWatch, force: boolean): boolean {
    const all = this.resourcesOf(c, w.typeUrl);
    const body = this.body(w.typeUrl, all, w);
    if (!force && body.hash === w.sentHash) return false;
    // A nonce only has to differ from this stream's previous ones (discovery.proto): the body's own
    // nonce serves every stream it is new to; a stream sent this very body before gets a fresh one.
    const fresh = w.nonceSent === body.nonce;
    const nonce = fresh ? randomUUID() : body.nonce;
    w.sentHash = body.hash;
    w.nonceSent = nonce;
    w.versionSent = all ? body.hash : '';
    this.send(c, fresh ? withNonce(body.bytes, nonce) : body.framed);
    return true;
  }

  private stream(call: Conn['call'], delta: boolean): void {
    let conn: Conn | undefined;
    const id = `${++this.seq}`;
    call.on('data', (req: Req) => {
      try {
        // istioctl's debug requests are answered without making the asker a proxy (statusgen.go).
        if (!conn && req.type_url === DEBUG_SYNCZ) {
          call.write(syncz(this.connections(), DEBUG_SYNCZ));
          return;
        }
        if (!conn) {
          const node = parseNode(
            req.node
              ? {
                  ...(req.node as { id?: string; cluster?: string }),
                  metadata: fromStruct(req.node.metadata),
                  ...(req.node.locality
                    ? { locality: req.node.locality as Record<string, string> }
                    : {}),
                }
              : undefined,
          );
          if (typeof node === 'string') {
            call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: node });
            call.end();
            return;
          }
          conn = {
            id,
            node,
            delta,
            call,
            connectedAt: new Date(),
            watches: new Map(),
            pushes: 0,
            inflight: 0,
            pushPending: false,
            queue: [],
            writes: new Set(),
          };
          this.conns.set(id, conn);
          this.log(`xds: ${node.proxyName} connected (${node.generator}, ${node.id})`);
          this.recompute(conn);
        }
        if (delta) this.onDeltaRequest(conn, req);
        else this.onRequest(conn, req);
      } catch (err) {
        this.log(
          `xds: request from ${conn?.node.proxyName ?? 'unknown'}: ${(err as Error).message}`,
        );
      }
    });
    const close = () => {
      if (conn && this.conns.delete(id)) {
        this.forget(conn);
        this.log(`xds: ${conn.node.proxyName} disconnected`);
      }
    };
    call.on('end', () => {
      close();
      call.end();
    });
    call.on('error', close);
    call.on('cancelled', close);
  }

  /**
   * Incremental response (discovery.proto DeltaDiscoveryResponse): the resources whose version the
   * client lacks, plus `removed_resources` for ones it has that are gone; names in `mustAnswer` (just
   * subscribed) are answered even when the client seems current. True when sent.
   */
  private respondDelta(c: Conn, w: TypeWatch, mustAnswer: ReadonlySet<string>): boolean {
    const all = this.resourcesOf(c, w.typeUrl);
    const known = (w.known ??= new Map());
    const names = w.wildcard ? [...(all?.keys() ?? [])].sort() : w.names;
    const resources: Record<string, unknown>[] = [];
    const removed: string[] = [];
    for (const name of names) {
      const r = all?.get(name);
      if (!r) {
        if (known.has(name) || mustAnswer.has(name)) removed.push(name);
        known.delete(name);
        continue;
      }
      const version = r.hash;
      if (known.get(name) === version && !mustAnswer.has(name)) continue;
      known.set(name, version);
      resources.push({ name, version, resource: r.any });
    }
    if (w.wildcard)
      for (const name of [...known.keys()])
        if (!all?.has(name)) {
          removed.push(name);
          known.delete(name);
        }
    if (
      resources.length === 0 &&
      removed.length === 0 &&
      mustAnswer.size === 0 &&
      w.nonceSent !== ''
    )
      return false;
    const nonce = randomUUID();
    const version = hashOf([...known.entries()].sort().flat());
    w.nonceSent = nonce;
    w.versionSent = version;
    this.send(c, {
      system_version_info: version,
      resources,
      removed_resources: removed,
      type_url: w.typeUrl,
      nonce,
    });
    return true;
  }

  private onDeltaRequest(c: Conn, req: Req): void {
    const typeUrl = req.type_url ?? '';
    const subscribe = ((req.resource_names_subscribe as string[] | undefined) ?? []).filter(
      (n) => n !== '*',
    );
    const wildcardAsked = ((req.resource_names_subscribe as string[] | undefined) ?? []).includes(
      '*',
    );
    const unsubscribe = (req.resource_names_unsubscribe as string[] | undefined) ?? [];
    const nonce = req.response_nonce ?? '';
    let w = c.watches.get(typeUrl);
    if (req.error_detail) {
      if (w && nonce === w.nonceSent)
        w.nack = { nonce, message: req.error_detail.message ?? '', version: w.versionSent };
      this.log(
        `xds: ${c.node.proxyName} rejected ${typeUrl.slice(typeUrl.lastIndexOf('.') + 1)}: ${req.error_detail.message ?? ''}`,
      );
      return;
    }
    if (!w) {
      // The first request of a type: LDS/CDS with no names (or "*") are wildcard; the client may name
      // the versions it already has from an earlier stream (initial_resource_versions).
      w = {
        typeUrl,
        names: subscribe,
        wildcard: wildcardAsked || (WILDCARD_TYPES.has(typeUrl) && subscribe.length === 0),
        nonceSent: '',
        versionSent: '',
        nonceAcked: '',
        versionAcked: '',
        sentHash: '',
        known: new Map(
          Object.entries((req.initial_resource_versions as Record<string, string>) ?? {}),
        ),
      };
      c.watches.set(typeUrl, w);
      const first = w;
      if (typeUrl === SECRET_TYPE)
        this.withSecrets(c, () => this.respondDelta(c, first, new Set(subscribe)));
      else this.respondDelta(c, w, new Set(subscribe));
      return;
    }
    if (nonce !== '' && nonce === w.nonceSent) {
      w.nonceAcked = nonce;
      w.versionAcked = w.versionSent;
      delete w.nack;
    }
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    const names = new Set(w.names);
    for (const n of unsubscribe) {
      names.delete(n);
      w.known?.delete(n);
    }
    for (const n of subscribe) names.add(n);
    w.names = [...names];
    if (subscribe.length > 0) this.respondDelta(c, w, new Set(subscribe));
  }

  private onRequest(c: Conn, req: Req): void {
    const typeUrl = req.type_url ?? '';
    const names = (req.resource_names ?? []).filter((n) => n !== '*');
    const nonce = req.response_nonce ?? '';
    if (typeUrl === DEBUG_SYNCZ) {
      c.call.write(syncz(this.connections(), typeUrl));
      return;
    }
    let w = c.watches.get(typeUrl);
    if (req.error_detail) {
      // NACK: keep the last good version (the one the client names), remember why; answer nothing.
      if (w && nonce === w.nonceSent)
        w.nack = {
          nonce,
          message: req.error_detail.message ?? '',
          version: req.version_info ?? '',
        };
      this.log(
        `xds: ${c.node.proxyName} rejected ${typeUrl.slice(typeUrl.lastIndexOf('.') + 1)}: ${req.error_detail.message ?? ''}`,
      );
      return;
    }
    if (!w || nonce === '') {
      // A new subscription (or a reconnecting client re-asking): always answer.
      w = {
        typeUrl,
        names,
        wildcard: WILDCARD_TYPES.has(typeUrl) && names.length === 0,
        nonceSent: '',
        versionSent: '',
        nonceAcked: w?.nonceAcked ?? '',
        versionAcked: req.version_info ?? '',
        sentHash: '',
      };
      c.watches.set(typeUrl, w);
      const asked = w;
      if (typeUrl === SECRET_TYPE)
        this.withSecrets(c, () => c.watches.get(typeUrl) === asked && this.respond(c, asked, true));
      else this.respond(c, w, true);
      return;
    }
    if (nonce !== w.nonceSent) return; // stale: a newer response is on its way
    w.nonceAcked = nonce;
    w.versionAcked = req.version_info ?? '';
    delete w.nack;
    const changed = !w.wildcard && !sameNames(names, w.names);
    if (changed) {
      w.names = names;
      this.respond(c, w, false);
    }
  }
}
