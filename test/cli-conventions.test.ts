// Spawns the real CLI for the conventions a first-time user meets: --version, NO_COLOR/FORCE_COLOR, one
// "no mesh" message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { runCli } from './cli-kubectl-support.js';
import { fixture, repoRoot } from './helpers/shared.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

test('switchyard --version prints the version in package.json', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});

// analyze's log output colours the level; istio/istio istioctl/pkg/util/formatting/msg_output.go.
const warning = ['analyze', '-A', '-f', fixture('analyze', 'subset-missing.yaml')];
const ESC = '\u001b[';
const noColorEnv = { FORCE_COLOR: undefined, NO_COLOR: undefined };

test('analyze: FORCE_COLOR colours the levels even into a pipe; --color=false still wins', async () => {
  const forced = await runCli(warning, { env: { ...noColorEnv, FORCE_COLOR: '1' } });
  assert.ok(forced.stdout.includes(ESC), forced.stdout);
  const off = await runCli([...warning, '--color=false'], {
    env: { ...noColorEnv, FORCE_COLOR: '1' },
  });
  assert.ok(!off.stdout.includes(ESC), off.stdout);
});

test('analyze: NO_COLOR leaves the output plain; an explicit --color still colours (no-color.org)', async () => {
  const plain = await runCli(warning, { env: { ...noColorEnv, NO_COLOR: '1' } });
  assert.ok(plain.stdout.includes('Error') || plain.stdout.includes('Warning'), plain.stdout);
  assert.ok(!plain.stdout.includes(ESC), plain.stdout);
  const asked = await runCli([...warning, '--color'], { env: { ...noColorEnv, NO_COLOR: '1' } });
  assert.ok(asked.stdout.includes(ESC), asked.stdout);
});

test('every command that talks to a mesh says the same thing when none listens at --server', async () => {
  // A port that was just bound and released: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const server = `http://127.0.0.1:${port}`;
  const expected = `error: no mesh at ${server} (is \`switchyard up\` running? pass --server URL)`;
  const commands: string[][] = [
    ['analyze', '--server', server],
    ['get', 'virtualservices', '--server', server],
    ['apply', '-f', fixture('analyze', 'subset-missing.yaml'), '--server', server],
    ['delete', 'virtualservice', 'reviews', '--server', server],
    ['patch', 'virtualservice', 'reviews', '--type', 'merge', '-p', '{}', '--server', server],
    ['logs', 'productpage-v1', '--server', server],
    ['envoy-stats', 'productpage-v1', '--server', server],
    ['proxy-config', 'routes', 'productpage-v1', '--server', server],
    ['proxy-config', 'all', 'productpage-v1', '--server', server],
    ['load', '-n', '1', '-server', server, '-from', 'productpage', 'http://reviews:9080/'],
  ];
  for (const args of commands) {
    const r = await runCli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), expected, args.join(' '));
  }
});

test('every command and subcommand prints examples at the end of --help (as kubectl does)', async () => {
  const { Command } = await import('commander');
  const { registerCommands } = await import('../src/cli/commands/index.js');
  const program = new Command('switchyard');
  registerCommands(program);
  const paths: string[][] = [[]];
  const walk = (cmd: InstanceType<typeof Command>, path: string[]): void => {
    for (const sub of cmd.commands) {
      paths.push([...path, sub.name()]);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(program, []);
  assert.ok(paths.length > 15, `commands found: ${paths.length}`);
  const runs = await Promise.all(paths.map((p) => runCli([...p, '--help'])));
  paths.forEach((p, i) => {
    const r = runs[i]!;
    assert.equal(r.code, 0, `switchyard ${p.join(' ')} --help: ${r.stderr}`);
    assert.match(
      r.stdout,
      /\nExamples:\n {2}# .+\n {2}.*switchyard /,
      `switchyard ${p.join(' ')} --help`,
    );
  });
});
