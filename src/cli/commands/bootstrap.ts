// `switchyard bootstrap PROXY [-f FILES] [--xds-address 127.0.0.1:15010]`: an Envoy bootstrap JSON for
// the proxy, pointing at Switchyard's xDS server (`envoy -c bootstrap.json`; see docs/xds.md).
import type { Command } from 'commander';
import type { ProxyIdentity } from '../../compile/index.js';
import { EXIT } from '../exit-codes.js';

interface Opts {
  filename: string[];
  namespace: string;
  xdsAddress: string;
  ip: string;
}

/** `pod.ns` -> the identity; a gateway by its istio-*gateway name. */
function identityFromName(name: string, o: Opts): ProxyIdentity {
  const dot = name.lastIndexOf('.');
  const pod = dot > 0 ? name.slice(0, dot) : name;
  const ns = dot > 0 ? name.slice(dot + 1) : o.namespace;
  const router = /^istio-(ingress|egress)gateway/.test(pod);
  return {
    kind: router ? 'router' : 'sidecar',
    id: `${pod}.${ns}`,
    namespace: ns,
    labels: router
      ? { istio: pod.startsWith('istio-ingress') ? 'ingressgateway' : 'egressgateway' }
      : {},
    serviceAccount: 'default',
    ip: o.ip,
  };
}

export function registerBootstrap(program: Command): void {
  program
    .command('bootstrap <proxy>')
    .description("an Envoy bootstrap (JSON) that points an Envoy at Switchyard's xDS server")
    .option('-f, --filename <path...>', 'config files to find the proxy (labels, namespace) in', [])
    .option('-n, --namespace <ns>', 'namespace of a proxy named without one', 'default')
    .option('--xds-address <host:port>', 'the xDS server', '127.0.0.1:15010')
    .option('--ip <ip>', 'the proxy IP in the node id', '127.0.0.1')
    .action(async (proxy: string, o: Opts) => {
      // Loaded when the command runs: every other command starts without xDS (CLI start-up time).
      const [{ resolveProxy }, { envoyBootstrap }, { meshFromFiles }, { toEnvoyJson }] =
        await Promise.all([
          import('../../registry/index.js'),
          import('../../xds/bootstrap.js'),
          import('../../xds/index.js'),
          import('../../xds/proto-json.js'),
        ]);
      let identity = identityFromName(proxy, o);
      if (o.filename.length > 0) {
        const { state, errors } = meshFromFiles(o.filename, { namespace: o.namespace });
        if (!state) {
          for (const e of errors) console.error(`error: ${e}`);
          process.exit(EXIT.dataError);
        }
        const found = resolveProxy(state.registry, proxy, o.namespace);
        if (found) identity = { ...found, ip: o.ip };
      }
      // A bootstrap file is the message itself, without the Any's @type.
      const { '@type': _type, ...json } = toEnvoyJson(envoyBootstrap(identity, o.xdsAddress));
      void _type;
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    });
}
