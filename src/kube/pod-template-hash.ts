// Names the Deployment controller gives its ReplicaSets and the ReplicaSet controller its Pods.

/** k8s.io/apimachinery pkg/util/rand/rand.go: the alphabet without vowels and confusable digits. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** k8s.io/apimachinery pkg/util/rand/rand.go SafeEncodeString: each byte mapped into ALPHANUMS. */
export function safeEncodeString(s: string): string {
  return [...Buffer.from(s)].map((b) => ALPHANUMS[b % ALPHANUMS.length]).join('');
}

/** JSON with object keys sorted: the same template always hashes the same, whatever the key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * kubernetes pkg/controller/controller_utils.go ComputeHash: fnv32a over the pod template, then over
 * collisionCount (when set) as 4 little-endian bytes, printed in decimal and SafeEncodeString'd.
 * Kubernetes feeds the Go struct through DeepHashObject (spew); we feed canonical JSON, so the
 * value differs from a cluster's for the same template but is stable and of the same form.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = 0x811c9dc5;
  const feed = (bytes: Iterable<number>) => {
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  };
  feed(Buffer.from(canonical(template ?? {})));
  if (collisionCount !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(collisionCount >>> 0);
    feed(b);
  }
  return safeEncodeString(String(h));
}

/** k8s.io/apiserver pkg/storage/names/generate.go SimpleNameGenerator: 5 random ALPHANUMS after the base. */
export function randomSuffix(draw: () => number, n = 5): string {
  let out = '';
  for (let i = 0; i < n; i++)
    out += ALPHANUMS[Math.floor(draw() * ALPHANUMS.length) % ALPHANUMS.length];
  return out;
}
