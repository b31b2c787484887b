// How many downstream connections may be open at once: per proxy (Envoy's listener max_connections)
// and for the whole `up` process (Envoy's overload manager global_downstream_max_connections), so a
// flood of idle sockets is refused at accept instead of exhausting the open-file limit that every
// proxy and the admin API share. A connection over either limit is closed at once, before any byte
// is read (envoyproxy/envoy source/common/network/tcp_listener_impl.cc onSocketEvent:
// downstream_global_cx_overflow / downstream_cx_overflow).

export class ConnectionBudget {
  private open = 0;
  /** Connections refused because this budget was spent. */
  overflows = 0;

  /** `max` open connections; Infinity = no limit. */
  constructor(readonly max: number) {}

  get active(): number {
    return this.open;
  }

  tryAcquire(): boolean {
    if (this.open >= this.max) {
      this.overflows++;
      return false;
    }
    this.open++;
    return true;
  }

  release(): void {
    if (this.open > 0) this.open--;
  }
}

/**
 * Envoy's edge guidance caps the process at 50,000 downstream connections
 * (envoyproxy/envoy docs/root/configuration/best_practices/_include/edge.yaml,
 * global_downstream_max_connections). Locally the open-file limit is usually lower: each proxied
 * connection also needs an upstream socket, and `reserve` descriptors stay for the admin API, the
 * access logs and the state files, so the admin API still answers when the proxies are full.
 */
export const EDGE_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS = 50_000;

export function defaultGlobalConnectionLimit(
  openFileLimit: number | undefined,
  reserve = 256,
): number {
  if (openFileLimit === undefined || !Number.isFinite(openFileLimit))
    return EDGE_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS;
  return Math.max(
    1,
    Math.min(EDGE_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS, Math.floor((openFileLimit - reserve) / 2)),
  );
}
