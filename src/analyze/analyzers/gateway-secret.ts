// gateway.SecretAnalyzer (istio/istio pkg/config/analysis/analyzers/gateway/secret.go): a TLS server's
// credentialName must name a Secret in the namespace of the gateway workload (IST0101), holding a
// currently valid certificate and key (IST0161).
import { X509Certificate } from 'node:crypto';
import { formatSelector, type Resource } from '../../config/index.js';
import type { GatewaySpec } from '../../config/istio-types.js';
import type { Analyzer } from '../types.js';
import { podsMatching } from '../util/pods.js';

export const gatewaySecretAnalyzer: Analyzer = {
  name: 'gateway.SecretAnalyzer',
  description: "Checks a gateway's referenced secrets for correctness",
  inputs: ['Gateway', 'Pod', 'Secret'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('Gateway')) {
      const gw = r.spec as GatewaySpec;
      const selector = gw.selector ?? {};
      // The credential lives where the gateway workload runs: the namespace of the first selected Pod.
      const pod = podsMatching(ctx.snapshot, selector)[0];
      if (!pod) {
        ctx.report('IST0101', r, ['selector', formatSelector(selector)], ['spec', 'selector']);
        continue;
      }
      const gwNs = pod.metadata.namespace;
      (gw.servers ?? []).forEach((server, i) => {
        const cn = server?.tls?.credentialName ?? '';
        if (cn === '') return;
        const slash = cn.indexOf('/');
        const [ns, name] = slash >= 0 ? [cn.slice(0, slash), cn.slice(slash + 1)] : [gwNs, cn];
        const secret = ctx.snapshot.get('Secret', ns, name);
        const field = ['spec', 'servers', i, 'tls', 'credentialName'];
        if (!secret) {
          ctx.report('IST0101', r, ['credentialName', cn], field);
          return;
        }
        if (!isValidSecret(secret, ctx.now))
          ctx.report('IST0161', r, [r.metadata.name, gwNs], field);
      });
    }
  },
};

function secretValue(secret: Resource, key: string): string | undefined {
  const data = secret.raw.data as Record<string, unknown> | undefined;
  const stringData = secret.raw.stringData as Record<string, unknown> | undefined;
  const b64 = data?.[key];
  if (typeof b64 === 'string' && b64 !== '') return Buffer.from(b64, 'base64').toString('utf8');
  const s = stringData?.[key];
  return typeof s === 'string' && s !== '' ? s : undefined;
}

/** tls.crt+tls.key or cert+key, whose first PEM certificate parses and is valid now. */
export function isValidSecret(secret: Resource, now: Date): boolean {
  let cert = secretValue(secret, 'tls.crt');
  let key = secretValue(secret, 'tls.key');
  if (!cert || !key) {
    cert = secretValue(secret, 'cert');
    key = secretValue(secret, 'key');
  }
  if (!cert || !key) return false;
  const block = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(cert);
  if (!block) return false;
  try {
    const x509 = new X509Certificate(block[0]);
    const t = now.getTime();
    return t >= Date.parse(x509.validFrom) && t <= Date.parse(x509.validTo);
  } catch {
    return false;
  }
}
