// A minimal SotW ADS client over @grpc/grpc-js speaking the wire protocol as Envoy does
// (envoyproxy/envoy api/envoy/service/discovery/v3/discovery.proto): requests with node on the first,
// ACKs with the response nonce and version, NACKs with error_detail. Responses queue up for the test.
import * as grpc from '@grpc/grpc-js';
import { decodeAny, messageType, type ProtoObject } from '../../src/xds/index.js';

export interface AdsResponse {
  /** version_info (SotW) or system_version_info (delta). */
  version_info: string;
  /** Delta: removed_resources. */
  removed: string[];
  type_url: string;
  nonce: string;
  resources: ProtoObject[];
}

export interface AdsClient {
  send(req: Record<string, unknown>): void;
  /** The next response (of a type, when given). */
  next(typeUrl?: string): Promise<AdsResponse>;
  /** Responses received and not yet taken. */
  pending(): AdsResponse[];
  closed: Promise<grpc.StatusObject>;
  close(): void;
}

/**
 * A state-of-the-world client, or with `delta` an incremental (DeltaAggregatedResources) one; `path`
 * names another method with the same messages (SDS's StreamSecrets).
 */
export function adsClient(port: number, delta = false, path?: string): AdsClient {
  const prefix = delta ? 'Delta' : '';
  const req = messageType(`envoy.service.discovery.v3.${prefix}DiscoveryRequest`);
  const res = messageType(`envoy.service.discovery.v3.${prefix}DiscoveryResponse`);
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(
    path ??
      `/envoy.service.discovery.v3.AggregatedDiscoveryService/${delta ? 'Delta' : 'Stream'}AggregatedResources`,
    (m: Record<string, unknown>) => Buffer.from(req.encode(req.fromObject(m)).finish()),
    (b: Buffer) => res.decode(b) as unknown as Record<string, unknown>,
  );
  const queue: AdsResponse[] = [];
  const waiters: { type?: string; resolve: (r: AdsResponse) => void }[] = [];
  const deliver = () => {
    for (const w of [...waiters]) {
      const i = queue.findIndex((r) => !w.type || r.type_url === w.type);
      if (i < 0) continue;
      const [r] = queue.splice(i, 1);
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(r!);
    }
  };
  call.on('data', (m: Record<string, unknown>) => {
    const anys = ((m.resources as Record<string, unknown>[]) ?? []).map(
      (r) => (delta ? r.resource : r) as { type_url: string; value: Uint8Array },
    );
    const resources = anys.map((a) => decodeAny({ type_url: a.type_url, value: a.value }));
    queue.push({
      version_info: String((delta ? m.system_version_info : m.version_info) ?? ''),
      removed: ((m.removed_resources as string[] | undefined) ?? []).map(String),
      type_url: String(m.type_url ?? ''),
      nonce: String(m.nonce ?? ''),
      resources,
    });
    deliver();
  });
  const closed = new Promise<grpc.StatusObject>((resolve) => {
    call.on('status', resolve);
    call.on('error', () => undefined);
  });
  return {
    send: (m) => call.write(m),
    next: (type) =>
      new Promise((resolve) => {
        waiters.push({ ...(type ? { type } : {}), resolve });
        deliver();
      }),
    pending: () => [...queue],
    closed,
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

/** An Istio sidecar node for pod `<pod>.<ns>` with string metadata. */
export function sidecarNode(
  pod: string,
  ns: string,
  metadata: Record<string, string> = {},
): ProtoObject {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) fields[k] = { stringValue: v };
  return { id: `sidecar~127.0.0.1~${pod}.${ns}~${ns}.svc.cluster.local`, metadata: { fields } };
}
