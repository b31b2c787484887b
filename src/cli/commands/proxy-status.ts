// `switchyard proxy-status [proxy] [--xds-address 127.0.0.1:15010]`: istioctl proxy-status against
// Switchyard's xDS server (`up` or `control-plane`): each connected proxy's CDS/LDS/EDS/RDS sync state.
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';

export function registerProxyStatus(program: Command): void {
  program
    .command('proxy-status [proxy]')
    .alias('ps')
    .description("the xDS sync state of every proxy connected to Switchyard's control plane")
    .option(
      '--xds-address <host:port>',
      'the xDS server (istioctl --xds-address)',
      '127.0.0.1:15010',
    )
    .action(async (proxy: string | undefined, o: { xdsAddress: string }) => {
      try {
        // Loaded when the command runs: every other command starts without gRPC.
        const { fetchSyncz, renderProxyStatus } = await import('../../xds/proxy-status.js');
        process.stdout.write(renderProxyStatus(await fetchSyncz(o.xdsAddress), proxy));
      } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        process.exitCode = EXIT.failure;
      }
    });
}
