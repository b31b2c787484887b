// The client side of bench/xds-scale.ts, run as a child process so its decoding does not count in
// the control plane's time or memory: N raw grpc-js SotW ADS streams, each an Istio sidecar
// (`sidecar~<ip>~client-<i>.bench~bench.svc.cluster.local`), subscribing as Envoy does (CDS and LDS
// wildcard, then EDS for the EDS clusters and RDS for the listeners' route names) and ACKing every
// response. Only resource names are read (field 1 of Cluster and Listener), as a real Envoy would
// decode far more: this keeps the client's cost from hiding the server's.
// Protocol with the parent (IPC): in {port, clients}; out {kind: 'ack', client, type} per ACK.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { messageType, TYPE } from '../src/xds/index.js';

interface Start {
  port: number;
  clients: number;
}

const req = messageType('envoy.service.discovery.v3.DiscoveryRequest');
const res = messageType('envoy.service.discovery.v3.DiscoveryResponse');

/** Field 1 (the resource name in Cluster and Listener), read without decoding the rest. */
function nameOf(bytes: Uint8Array): string {
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) return r.string();
    r.skipType(tag & 7);
  }
  return '';
}

/** Field 2 of a Cluster: its discovery type (EDS = 3). */
function isEds(bytes: Uint8Array): boolean {
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 2 && (tag & 7) === 0) return r.int32() === 3;
    r.skipType(tag & 7);
  }
  return false;
}

function startClient(port: number, i: number): void {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': -1,
    // Envoy's HTTP/2 windows for its xDS cluster: initial_stream_window_size and
    // initial_connection_window_size default 256 MiB (envoyproxy/envoy
    // api/envoy/config/core/v3/protocol.proto), so a push is not paced by 64 KiB window updates.
    'grpc-node.flow_control_window': 256 * 2 ** 20,
  });
  const call = client.makeBidiStreamRequest(
    '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
    (m: Record<string, unknown>) => Buffer.from(req.encode(req.fromObject(m)).finish()),
    (b: Buffer) => res.decode(b) as unknown as Record<string, unknown>,
  );
  const names = new Map<string, string[]>([
    [TYPE.cluster, []],
    [TYPE.listener, []],
  ]);
  const node = {
    id: `sidecar~10.1.${i >> 8}.${i & 255}~client-${i}.bench~bench.svc.cluster.local`,
    metadata: { fields: { NAMESPACE: { stringValue: 'bench' } } },
  };
  const subscribe = (type: string, resource_names: string[], first = false) => {
    names.set(type, resource_names);
    call.write({ ...(first ? { node } : {}), type_url: type, resource_names });
  };
  call.on(
    'data',
    (m: {
      type_url: string;
      version_info: string;
      nonce: string;
      resources: { value: Uint8Array }[];
    }) => {
      const type = m.type_url;
      call.write({
        type_url: type,
        version_info: m.version_info,
        response_nonce: m.nonce,
        resource_names: names.get(type) ?? [],
      });
      process.send?.({ kind: 'ack', client: i, type });
      if (type === TYPE.cluster) {
        const eds = m.resources.filter((r) => isEds(r.value)).map((r) => nameOf(r.value));
        const had = names.get(TYPE.endpoint);
        if (!had || had.join() !== eds.join()) subscribe(TYPE.endpoint, eds);
      } else if (type === TYPE.listener) {
        // Istio's sidecar listeners 0.0.0.0_<port> use RDS route <port> (httproute.go).
        const routes = m.resources
          .map((r) => /^0\.0\.0\.0_(\d+)$/.exec(nameOf(r.value))?.[1])
          .filter((n): n is string => !!n);
        const had = names.get(TYPE.route);
        if (!had || had.join() !== routes.join()) subscribe(TYPE.route, routes);
      }
    },
  );
  call.on('error', (e: Error) => process.send?.({ kind: 'error', client: i, message: e.message }));
  subscribe(TYPE.cluster, [], true);
  subscribe(TYPE.listener, []);
}

process.on('message', (m: Start) => {
  for (let i = 0; i < m.clients; i++) startClient(m.port, i);
});
