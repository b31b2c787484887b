// nginx for the benchmark when it is installed: as the upstream (`return 200`, as docs/performance.md
// measured) and as a reference proxy (1 worker, keep-alive upstream pool).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from '../src/mesh/ports.js';
import { treeCpuSeconds, treeRssMb } from './proc-stats.js';

export const hasNginx = spawnSync('which', ['nginx']).status === 0;

export interface Nginx {
  child: ChildProcess;
  port: number;
  /** RSS of master + worker in MB. */
  rssMb(): number;
  /** User + system CPU seconds of master + worker so far. */
  cpuSeconds(): number;
}

/** Starts nginx in the foreground (master + 1 worker), optionally pinned with `pin`. */
export async function startNginx(
  mode: { kind: 'upstream' } | { kind: 'proxy'; upstreamPort: number },
  pin: (cmd: string, args: string[]) => [string, string[]],
): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-nginx-'));
  const port = await freePort();
  const body = 'x'.repeat(100);
  const server =
    mode.kind === 'upstream'
      ? `location / { default_type text/plain; return 200 "${body}"; }`
      : `location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }`;
  const upstreamBlock =
    mode.kind === 'proxy'
      ? `upstream up { server 127.0.0.1:${mode.upstreamPort}; keepalive 64; }`
      : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  keepalive_requests 1000000;
  ${upstreamBlock}
  server { listen 127.0.0.1:${port}; ${server} }
}
`,
  );
  const [cmd, argv] = pin('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
  const child = spawn(cmd, argv, { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    port,
    rssMb: () => treeRssMb(child.pid),
    cpuSeconds: () => treeCpuSeconds(child.pid),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}
