// `switchyard envoy-stats <proxy> [--filter RE] [-o json]`: a proxy's Envoy-named counters, as
// `istioctl experimental envoy-stats` and `pilot-agent request GET stats` print them (`name: value`,
// sorted), read from a running mesh's admin API `/stats?proxy=`. `--filter` is Envoy's
// `/stats?filter=` regex (envoyproxy/envoy source/server/admin/stats_handler.cc).
import type { Command } from 'commander';
import { defaultServer, fetchMesh, SERVER_HELP } from '../client.js';
import { EXIT } from '../exit-codes.js';

interface Opts {
  server: string;
  filter?: string;
  output: string;
}

/** Parses `name: value` lines into pairs, keeping their order. */
export function parseStats(text: string): [string, number][] {
  const out: [string, number][] = [];
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(': ');
    if (i <= 0) continue;
    out.push([line.slice(0, i), Number(line.slice(i + 2))]);
  }
  return out;
}

/** Renders stats as Envoy's admin /stats does: text `name: value`, or `{"stats":[{name,value}]}`. */
export function renderStats(stats: readonly [string, number][], output: string): string {
  if (output === 'json')
    return (
      JSON.stringify({ stats: stats.map(([name, value]) => ({ name, value })) }, null, 2) + '\n'
    );
  return stats.map(([k, v]) => `${k}: ${v}\n`).join('');
}

export function registerEnvoyStats(program: Command): void {
  program
    .command('envoy-stats <proxy>')
    .alias('stats')
    .description("a proxy's Envoy counters (cluster.<name>.upstream_rq_*, outlier_detection.*)")
    .option('--filter <regex>', 'only stats whose name matches this regex (Envoy /stats?filter=)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--server <url>', SERVER_HELP)
    .hook('preAction', (c) => {
      if (c.getOptionValue('server') === undefined) c.setOptionValue('server', defaultServer());
    })
    .action(async (proxy: string, o: Opts) => {
      if (o.output !== 'text' && o.output !== 'json') {
        console.error(`error: unknown output format ${o.output}: use text or json`);
        process.exitCode = EXIT.usage;
        return;
      }
      let filter: RegExp | undefined;
      try {
        // A user's CLI argument, not mesh config: ECMAScript regex like Envoy's std::regex filter.
        filter = o.filter ? new RegExp(o.filter) : undefined;
      } catch (err) {
        console.error(`error: invalid --filter: ${(err as Error).message}`);
        process.exitCode = EXIT.usage;
        return;
      }
      const url = new URL(`${o.server.replace(/\/+$/, '')}/stats`);
      url.searchParams.set('proxy', proxy);
      let res: Response;
      try {
        res = await fetchMesh(o.server, url);
      } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        process.exitCode = EXIT.failure;
        return;
      }
      const text = await res.text();
      if (!res.ok) {
        console.error(`error: ${text.trim()}`);
        process.exitCode = EXIT.failure;
        return;
      }
      const stats = parseStats(text).filter(([name]) => !filter || filter.test(name));
      process.stdout.write(renderStats(stats, o.output));
    });
}
