// `--from WORKLOAD`: find that workload's sidecar outbound address from the running mesh's admin API
// (`GET <server>/proxies`: a JSON list of { name, workload, outbound }).

export interface ProxyInfo {
  name?: string;
  workload?: string;
  outbound?: string;
}

export class ResolveError extends Error {
  /** True when nothing answered at the server (the CLI then prints its one "no mesh" message). */
  readonly unreachable: boolean;
  constructor(message: string, options: { unreachable?: boolean } = {}) {
    super(message);
    this.unreachable = options.unreachable ?? false;
  }
}

/** Picks the proxy for a workload: exact workload, then exact name, then a name prefix (`sleep-v1-...`). */
export function pickProxy(list: readonly ProxyInfo[], from: string): ProxyInfo {
  const withOutbound = list.filter((p) => typeof p.outbound === 'string' && p.outbound !== '');
  const tiers = [
    withOutbound.filter((p) => p.workload === from),
    withOutbound.filter((p) => p.name === from),
    withOutbound.filter(
      (p) => (p.name ?? '').startsWith(`${from}-`) || (p.name ?? '').startsWith(`${from}.`),
    ),
  ];
  for (const tier of tiers) {
    const outbounds = new Set(tier.map((p) => p.outbound));
    if (outbounds.size === 1) return tier[0]!;
    if (outbounds.size > 1) {
      throw new ResolveError(
        `--from ${from} matches several proxies: ${tier.map((p) => p.name ?? p.workload).join(', ')}`,
      );
    }
  }
  const known = [...new Set(withOutbound.map((p) => p.workload ?? p.name))].join(', ');
  throw new ResolveError(`no sidecar found for workload "${from}" (known: ${known || 'none'})`);
}

/** Returns the proxy URL (http://host:port) of the workload's sidecar outbound listener. */
export async function resolveFrom(server: string, from: string): Promise<string> {
  const url = `${server.replace(/\/+$/, '')}/proxies`;
  let body: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    // fetch() rejects with a TypeError when the connection fails (no HTTP reply at all).
    if (err instanceof TypeError)
      throw new ResolveError(`unreachable: ${cause}`, { unreachable: true });
    throw new ResolveError(
      `cannot reach the Switchyard admin API at ${server} to resolve --from ${from} (is \`switchyard up\` running? use --server URL): ${cause}`,
    );
  }
  // The admin API answers `{ kind: 'ProxyList', items: [...] }`; a bare list or `{ proxies }` is accepted too.
  const wrapped = body as { items?: unknown; proxies?: unknown } | null;
  const list = Array.isArray(body)
    ? (body as ProxyInfo[])
    : Array.isArray(wrapped?.items)
      ? (wrapped.items as ProxyInfo[])
      : Array.isArray(wrapped?.proxies)
        ? (wrapped.proxies as ProxyInfo[])
        : [];
  const outbound = pickProxy(list, from).outbound!;
  return outbound.includes('://') ? outbound : `http://${outbound}`;
}
