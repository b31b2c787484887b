// Request mirroring, Envoy request_mirror_policies (envoyproxy/envoy source/common/router/shadow_writer_impl.cc):
// fire-and-forget, the response discarded, never slowing or failing the primary. Host gets `-shadow`
// appended (before any port) only when the mesh asks for Istio <= 1.27 behaviour.
import type { Dispatcher } from 'undici';
import type { MirrorPolicy } from '../../compile/snapshot.js';
import type { Random } from '../../runtime/random.js';
import { faultDraw } from '../filters/fault.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { ClusterState } from '../upstream/cluster-state.js';
import type { Connection } from '../upstream/connection.js';
import { portStart } from '../../units/index.js';

class MirrorHandler implements Dispatcher.DispatchHandler {
  private released = false;
  constructor(
    private readonly cluster: ClusterState,
    private readonly conn: Connection,
  ) {}
  // undici recognises the new handler API by onRequestStart.
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, status: number): void {
    if (status >= 200) {
      this.cluster.responseFrom(this.conn.host, status);
    }
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    this.release(true);
  }
  onResponseError(): void {
    this.cluster.outlier?.putResult(this.conn.host, { kind: 'local' });
    this.release(false);
  }
  private release(ok: boolean): void {
    if (this.released) return;
    this.released = true;
    if (ok) this.cluster.responseCompleted();
    this.cluster.release(this.conn, ok);
  }
}

// envoyproxy/envoy source/common/router/shadow_writer_impl.cc shadowAppendedHost: `-shadow` before the port.
export function shadowAuthority(authority: string): string {
  const c = portStart(authority);
  if (c >= 0) return `${authority.slice(0, c)}-shadow${authority.slice(c)}`;
  return `${authority}-shadow`;
}

/** Sends copies of a request (bodiless or with its buffered body) to each mirror whose draw hits. */
export function sendMirrors(
  mirrors: readonly MirrorPolicy[],
  clusters: ClusterManager,
  random: Random,
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
  authority: string,
  shadowSuffix: boolean,
  body: Buffer | null,
): void {
  for (const m of mirrors) {
    if (!faultDraw(random, m.percentage)) continue;
    const cluster = clusters.get(m.clusterName);
    if (!cluster) continue;
    const host = cluster.pickHost();
    if (!host) continue;
    const flat: string[] = [];
    for (const k in headers) {
      if (k === 'host') continue;
      const v = headers[k];
      if (Array.isArray(v)) for (const x of v) flat.push(k, x);
      else if (v !== undefined) flat.push(k, v);
    }
    flat.push('host', shadowSuffix ? shadowAuthority(authority) : authority);
    cluster.attemptStarted(host);
    cluster.acquire(host, (r) => {
      if (!r.ok) return;
      try {
        r.conn.client.dispatch(
          {
            path,
            method,
            headers: flat,
            body,
            headersTimeout: 0,
            bodyTimeout: 0,
            // The cluster's SNI (DestinationRule sni, ISTIO_MUTUAL/auto mTLS `outbound_.…`), as the
            // forwarded request uses; without it undici would send the shadow Host as SNI.
            ...(r.conn.servername ? { servername: r.conn.servername } : {}),
          },
          new MirrorHandler(cluster, r.conn),
        );
      } catch {
        cluster.release(r.conn, false);
      }
    });
  }
}
