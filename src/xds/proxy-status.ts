// `istioctl proxy-status` for Switchyard: asks the xDS server for istio.io/debug/syncz over ADS (as
// istioctl does, istio/istio istioctl/pkg/multixds) and prints its table (istioctl/pkg/writer/pilot/
// status.go: NAME CLUSTER CDS LDS EDS RDS ECDS ISTIOD VERSION; NOT_SENT printed as "NOT SENT").
// A NACKed type is STALE there; the rejection itself is listed below the table.
import * as grpc from '@grpc/grpc-js';
import { tabWrite } from '../compile/index.js';
import { fromStruct } from './node.js';
import { decodeAny, messageType, TYPE, type ProtoObject } from './protos.js';
import { DEBUG_SYNCZ, ECDS_TYPE } from './syncz.js';

export interface SynczResult {
  controlPlane: string;
  configs: ProtoObject[];
}

/** One syncz round trip to the ADS server at host:port. */
export function fetchSyncz(address: string): Promise<SynczResult> {
  const req = messageType('envoy.service.discovery.v3.DiscoveryRequest');
  const res = messageType('envoy.service.discovery.v3.DiscoveryResponse');
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(
    '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
    (m: Record<string, unknown>) => Buffer.from(req.encode(req.fromObject(m)).finish()),
    (b: Buffer) => res.decode(b) as unknown as Record<string, unknown>,
    { deadline: Date.now() + 10_000 },
  );
  return new Promise((resolve, reject) => {
    call.on('data', (m: Record<string, unknown>) => {
      const resources =
        (m.resources as { type_url: string; value: Uint8Array }[] | undefined) ?? [];
      const cp = m.control_plane as { identifier?: string } | undefined;
      resolve({ controlPlane: cp?.identifier ?? '', configs: resources.map(decodeAny) });
      call.cancel();
      client.close();
    });
    call.on('error', (err: grpc.ServiceError) => {
      client.close();
      if (err.code !== grpc.status.CANCELLED)
        reject(new Error(`xDS server ${address}: ${err.details || err.message}`));
    });
    call.write({ type_url: DEBUG_SYNCZ });
  });
}

/** istioctl's formatStatus: NOT_SENT -> "NOT SENT", UNKNOWN -> "IGNORED". */
function formatStatus(s: unknown): string {
  if (s === 'NOT_SENT') return 'NOT SENT';
  if (s === 'UNKNOWN' || s === undefined) return 'IGNORED';
  return String(s);
}

const COLUMNS: [string, string][] = [
  ['CDS', TYPE.cluster],
  ['LDS', TYPE.listener],
  ['EDS', TYPE.endpoint],
  ['RDS', TYPE.route],
  ['ECDS', ECDS_TYPE],
];

export function renderProxyStatus(result: SynczResult, proxy?: string): string {
  const rows: string[][] = [['NAME', 'CLUSTER', ...COLUMNS.map(([c]) => c), 'ISTIOD', 'VERSION']];
  const nacks: string[] = [];
  const configs = [...result.configs]
    .map((c) => ({ c, id: String((c.node as ProtoObject | undefined)?.id ?? '') }))
    .filter((x) => !proxy || x.id.includes(proxy))
    .sort((a, b) => a.id.localeCompare(b.id));
  for (const { c, id } of configs) {
    const node = (c.node as ProtoObject | undefined) ?? {};
    const meta = fromStruct(node.metadata);
    const generic = (c.generic_xds_configs as ProtoObject[] | undefined) ?? [];
    const byType = new Map(generic.map((g) => [String(g.type_url), g]));
    rows.push([
      id,
      String(meta.CLUSTER_ID ?? ''),
      ...COLUMNS.map(([, type]) => formatStatus(byType.get(type)?.config_status)),
      result.controlPlane,
      String(meta.ISTIO_VERSION ?? ''),
    ]);
    for (const [col, type] of COLUMNS) {
      const err = byType.get(type)?.error_state as ProtoObject | undefined;
      if (err) nacks.push(`${id} rejected ${col}: ${String(err.details ?? '')}`);
    }
  }
  const table = tabWrite(rows);
  return nacks.length > 0 ? `${table}\n${nacks.join('\n')}\n` : table;
}
