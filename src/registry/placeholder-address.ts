// Offline, workloads and services have no real IPs: give them deterministic placeholders in the
// ranges kind/kubeadm use (pods 10.244.0.0/16, services 10.96.0.0/12) so proxy-config works from files.

/** FNV-1a 32-bit: stable across runs and platforms. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Allocates `<prefix>.x.y` addresses from a key's hash, probing past collisions. */
export class PlaceholderAllocator {
  private readonly used = new Set<string>();
  constructor(private readonly prefix: string) {}

  reserve(address: string): void {
    this.used.add(address);
  }

  allocate(key: string): string {
    let h = fnv1a(key) % 65024;
    for (;;) {
      const address = `${this.prefix}.${Math.floor(h / 254)}.${(h % 254) + 1}`;
      if (!this.used.has(address)) {
        this.used.add(address);
        return address;
      }
      h = (h + 1) % 65024;
    }
  }
}
