// Against a running `switchyard up --demo bookinfo` on a free admin port: later commands find the mesh
// through $SWITCHYARD_HOME/current or $SWITCHYARD_SERVER without --server, and shell completion (as
// `kubectl completion` works: the script calls back `__complete`, spf13/cobra completions.go) offers
// commands, flags, proxy names and resource names, driven through a real bash.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startMesh, type RunningMesh } from './helpers/mesh.js';

let mesh: RunningMesh;
const bin = mkdtempSync(join(tmpdir(), 'switchyard-bin-'));

before(async () => {
  mesh = await startMesh(['--demo', 'bookinfo']);
  // `switchyard` on PATH, as `npm install -g` would put it, for the completion scripts to call back.
  writeFileSync(join(bin, 'switchyard'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'switchyard'), 0o755);
});

after(async () => {
  await mesh?.stop();
  rmSync(bin, { recursive: true, force: true });
});

/** Runs the CLI with this mesh's $SWITCHYARD_HOME and no --server. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, SWITCHYARD_SERVER: undefined, SWITCHYARD_HOME: mesh.home, ...env },
    encoding: 'utf8',
    // Generous: on a machine shared by many test runs one CLI start has taken over a minute.
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('up --admin-port 0 records its admin URL in $SWITCHYARD_HOME/current; commands use it', () => {
  assert.equal(readFileSync(join(mesh.home, 'current'), 'utf8').trim(), mesh.admin);
  const r = cli(['get', 'proxies']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /productpage-v1/);
  const logs = cli(['logs', 'productpage-v1']);
  assert.equal(logs.status, 0, logs.stderr);
});

test('$SWITCHYARD_SERVER wins over the current file; --server wins over both', () => {
  const dead = 'http://127.0.0.1:1';
  const r = cli(['get', 'proxies'], { SWITCHYARD_SERVER: dead });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /no mesh at http:\/\/127\.0\.0\.1:1 /);
  const flagged = cli(['get', 'proxies', '--server', mesh.admin], { SWITCHYARD_SERVER: dead });
  assert.equal(flagged.status, 0, flagged.stderr);
});

test('__complete: commands, subcommands, flags, proxy and resource names of the running mesh', () => {
  const complete = (...words: string[]) => cli(['__complete', ...words]).stdout.split('\n');
  assert.ok(complete('').includes('proxy-config'));
  assert.ok(complete('').includes('completion'));
  assert.deepEqual(complete('pro').filter(Boolean), ['proxy-config', 'proxy-status']);
  assert.ok(complete('proxy-config', '').includes('routes'));
  assert.ok(complete('proxy-config', 'routes', '').some((p) => p.startsWith('productpage-v1')));
  assert.ok(complete('logs', 'rev').every((p) => p === '' || p.startsWith('rev')));
  assert.ok(complete('logs', 'rev').includes('reviews-v2'));
  assert.ok(complete('get', '').includes('virtualservices'));
  assert.ok(complete('get', 'vs', '').includes('bookinfo'));
  assert.ok(complete('get', 'gateways', '').includes('bookinfo-gateway'));
  assert.ok(complete('get', '-n', 'istio-system', 'vs', '').every((n) => n !== 'bookinfo'));
  assert.ok(complete('get', '--').includes('--output'));
  assert.deepEqual(complete('up', '--demo', '').filter(Boolean), ['bookinfo']);
  assert.ok(complete('control-plane', '--k').includes('--kubeconfig'));
  // A kubeconfig is a file: left to the shell's default (file name) completion.
  assert.deepEqual(complete('control-plane', '--kubeconfig', '').filter(Boolean), []);
});

test('switchyard completion bash, sourced in a real bash, completes from the running mesh', () => {
  const script = cli(['completion', 'bash']);
  assert.equal(script.status, 0, script.stderr);
  const r = spawnSync(
    'bash',
    [
      '-c',
      [
        'source <(switchyard completion bash)',
        "COMP_WORDS=(switchyard proxy-config routes ''); COMP_CWORD=3; _switchyard",
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n'),
    ],
    {
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        SWITCHYARD_HOME: mesh.home,
        SWITCHYARD_SERVER: '',
      },
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    r.stdout.split('\n').some((l) => l.startsWith('productpage-v1')),
    r.stdout + r.stderr,
  );
});

/** The environment a shell with `switchyard` on PATH and this mesh as current runs in. */
const shellEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  SWITCHYARD_HOME: mesh.home,
  SWITCHYARD_SERVER: '',
});

function installed(shell: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
}

test('switchyard completion zsh, sourced in a real zsh, completes from the running mesh', (t) => {
  const script = cli(['completion', 'zsh']);
  assert.equal(script.status, 0, script.stderr);
  assert.match(script.stdout, /__complete/);
  // scripts/install-test-deps.sh installs zsh; without it the script is only generated.
  if (!installed('zsh')) return t.skip('zsh is not installed (scripts/install-test-deps.sh)');
  const file = join(bin, '_switchyard.zsh');
  writeFileSync(file, script.stdout);
  const parsed = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
  assert.equal(parsed.status, 0, parsed.stderr);
  // Outside a completion widget `compadd` is not there: a function stands in and prints what the
  // script hands it; `words` and `CURRENT` are set as zsh sets them for `switchyard proxy-config routes `.
  const r = spawnSync(
    'zsh',
    [
      '-f',
      '-c',
      [
        'source <(switchyard completion zsh)',
        'compadd() { print -rl -- "${(@P)2}"; }',
        "words=(switchyard proxy-config routes ''); CURRENT=4",
        '_switchyard',
      ].join('\n'),
    ],
    { env: shellEnv(), encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    r.stdout.split('\n').some((l) => l.startsWith('productpage-v1')),
    r.stdout + r.stderr,
  );
});

test('switchyard completion fish, sourced in a real fish, completes from the running mesh', (t) => {
  const script = cli(['completion', 'fish']);
  assert.equal(script.status, 0, script.stderr);
  assert.match(script.stdout, /__complete/);
  if (!installed('fish')) return t.skip('fish is not installed (scripts/install-test-deps.sh)');
  // From a file: fish refuses a script on a socket stdin (Node's `input`) as "Is a directory".
  const file = join(bin, 'switchyard.fish');
  writeFileSync(file, script.stdout);
  const parsed = spawnSync('fish', ['--no-execute', file], { encoding: 'utf8' });
  assert.equal(parsed.status, 0, parsed.stderr);
  // `complete -C` asks fish for the completions of a command line, as pressing Tab would.
  const r = spawnSync(
    'fish',
    [
      '--no-config',
      '-c',
      "switchyard completion fish | source; complete -C 'switchyard proxy-config routes '",
    ],
    { env: shellEnv(), encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    r.stdout.split('\n').some((l) => l.startsWith('productpage-v1')),
    r.stdout + r.stderr,
  );
  assert.notEqual(cli(['completion', 'powershell']).status, 0);
});

test('up removes its current file when it stops', async () => {
  await mesh.stop();
  assert.ok(!existsSync(join(mesh.home, 'current')));
});
