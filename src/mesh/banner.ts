// The lines `switchyard up` prints once the mesh serves: where each gateway, pod, the admin API and
// the logs are.
import type { MeshProxy } from './mesh-proxy.js';

export interface BannerPod {
  name: string;
  app?: string;
  outbound?: string;
}

export function bannerLines(input: {
  host: string;
  proxies: Iterable<MeshProxy>;
  pods: readonly BannerPod[];
  adminUrl: string;
  tokenPath: string;
  logDir: string;
}): string[] {
  const lines: string[] = [];
  for (const mp of input.proxies) {
    if (mp.kind === 'sidecar') continue;
    for (const [name, port] of mp.gatewayListeners)
      if (port > 0)
        lines.push(`${mp.kind.padEnd(15)} ${name.padEnd(14)} http://${input.host}:${port}`);
  }
  for (const p of input.pods)
    lines.push(
      `${'workload'.padEnd(15)} ${p.name.padEnd(22)} app ${p.app ?? '-'}  sidecar outbound ${p.outbound ?? '-'}`,
    );
  lines.push(`${'admin'.padEnd(15)} ${input.adminUrl}   token ${input.tokenPath}`);
  lines.push(`${'access logs'.padEnd(15)} ${input.logDir}`);
  lines.push(
    `${'service graph'.padEnd(15)} ${input.adminUrl}/graph   metrics ${input.adminUrl}/metrics`,
  );
  return lines;
}
