// `sh -c SCRIPT` as Istio's tasks write it inside pods: `cmd1; cmd2`, `a && b || c`,
// `for i in $(seq 1 10); do curl ...; done`, quotes, `$VAR`/`${VAR}`/`$?`, `$(cmd)`, `exit N`,
// `(list)` subshells, `a | b` pipelines (`(date; sleep 1) | nc tcp-echo 9000`), and the
// redirections `>/dev/null`, `2>/dev/null`, `2>&1`. POSIX sh (XCU chapter 2) semantics for those;
// anything else is a syntax error, never a guess.
import type { PodIo } from './io.js';

type Part =
  | { t: 'lit'; s: string; quoted: boolean }
  | { t: 'var'; name: string; quoted: boolean }
  | { t: 'sub'; script: string; quoted: boolean };
type Word = Part[];
type Token = { kind: 'word'; word: Word } | { kind: 'op'; op: string };

interface Simple {
  type: 'simple';
  words: Word[];
  /** Which streams go to /dev/null, and 2>&1. */
  dropOut: boolean;
  dropErr: boolean;
  errToOut: boolean;
}
interface ForLoop {
  type: 'for';
  name: string;
  items: Word[];
  body: List;
}
interface Group {
  type: 'group';
  body: List;
}
/** `a | b | c`: each command's stdout is the next one's stdin; the status is the last one's. */
interface Pipeline {
  type: 'pipeline';
  commands: Command[];
}
type Command = Simple | ForLoop | Group | Pipeline;
type List = { command: Command; op: ';' | '&&' | '||' }[];

export type Runner = (argv: readonly string[], io: PodIo) => Promise<number>;

export class ShellSyntaxError extends Error {}

export async function runScript(script: string, io: PodIo, run: Runner): Promise<number> {
  let list: List;
  try {
    list = parse(tokenize(script));
  } catch (err) {
    io.err(`sh: syntax error: ${(err as Error).message}\n`);
    return 2;
  }
  const shell = new Shell(io, run);
  try {
    return await shell.runList(list);
  } catch (err) {
    if (err instanceof ExitSignal) return err.code;
    throw err;
  }
}

class ExitSignal {
  constructor(readonly code: number) {}
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let word: Word | undefined;
  const lit = (s: string, quoted: boolean) => {
    word ??= [];
    const last = word[word.length - 1];
    if (last && last.t === 'lit' && last.quoted === quoted) last.s += s;
    else word.push({ t: 'lit', s, quoted });
  };
  const flush = () => {
    if (word) tokens.push({ kind: 'word', word });
    word = undefined;
  };
  const dollar = (quoted: boolean) => {
    // at src[i] === '$'
    const next = src[i + 1] ?? '';
    if (next === '(') {
      let depth = 1;
      let j = i + 2;
      while (j < src.length && depth > 0) {
        if (src[j] === '(') depth++;
        else if (src[j] === ')') depth--;
        j++;
      }
      if (depth !== 0) throw new ShellSyntaxError('unterminated $(');
      word ??= [];
      word.push({ t: 'sub', script: src.slice(i + 2, j - 1), quoted });
      i = j;
    } else if (next === '{') {
      const end = src.indexOf('}', i);
      if (end < 0) throw new ShellSyntaxError('unterminated ${');
      word ??= [];
      word.push({ t: 'var', name: src.slice(i + 2, end), quoted });
      i = end + 1;
    } else if (next === '?') {
      word ??= [];
      word.push({ t: 'var', name: '?', quoted });
      i += 2;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i + 1));
      if (!m) {
        lit('$', quoted);
        i++;
      } else {
        word ??= [];
        word.push({ t: 'var', name: m[0], quoted });
        i += 1 + m[0].length;
      }
    }
  };
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === ' ' || c === '\t') {
      flush();
      i++;
    } else if (c === '\n' || c === ';') {
      flush();
      tokens.push({ kind: 'op', op: ';' });
      i++;
    } else if (c === '#' && !word) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('&&', i) || src.startsWith('||', i)) {
      flush();
      tokens.push({ kind: 'op', op: src.slice(i, i + 2) });
      i += 2;
    } else if (src.startsWith('2>&1', i) && !word) {
      tokens.push({ kind: 'op', op: '2>&1' });
      i += 4;
    } else if (c === '>' || (src.startsWith('2>', i) && !word) || src.startsWith('1>', i)) {
      flush();
      const op = c === '>' ? '>' : `${c}>`;
      i += op.length;
      tokens.push({ kind: 'op', op });
    } else if (c === '|' || c === '(' || c === ')') {
      flush();
      tokens.push({ kind: 'op', op: c });
      i++;
    } else if (c === '&' || c === '<' || c === '`') {
      throw new ShellSyntaxError(`"${c}" is not supported in a Switchyard pod shell`);
    } else if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated quoted string');
      lit(src.slice(i + 1, end), true);
      i = end + 1;
    } else if (c === '"') {
      i++;
      word ??= [];
      let closed = false;
      while (i < src.length) {
        const d = src[i] ?? '';
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && '$`"\\\n'.includes(src[i + 1] ?? '')) {
          lit(src[i + 1] ?? '', true);
          i += 2;
        } else if (d === '$') dollar(true);
        else {
          lit(d, true);
          i++;
        }
      }
      if (!closed) throw new ShellSyntaxError('unterminated quoted string');
    } else if (c === '\\') {
      lit(src[i + 1] ?? '', true);
      i += 2;
    } else if (c === '$') dollar(false);
    else {
      lit(c, false);
      i++;
    }
  }
  flush();
  return tokens;
}

const keyword = (t: Token | undefined, kw: string): boolean =>
  t?.kind === 'word' &&
  t.word.length === 1 &&
  t.word[0]?.t === 'lit' &&
  !t.word[0].quoted &&
  t.word[0].s === kw;

function parse(tokens: Token[]): List {
  let pos = 0;
  const parseList = (terminators: readonly string[]): List => {
    const list: List = [];
    for (;;) {
      while (tokens[pos]?.kind === 'op' && (tokens[pos] as { op: string }).op === ';') pos++;
      const t = tokens[pos];
      if (!t || terminators.some((k) => keyword(t, k))) return list;
      if (t.kind === 'op' && t.op === ')') return list;
      let command = parseCommand();
      if (tokens[pos]?.kind === 'op' && (tokens[pos] as { op: string }).op === '|') {
        const commands = [command];
        while (tokens[pos]?.kind === 'op' && (tokens[pos] as { op: string }).op === '|') {
          pos++;
          commands.push(parseCommand());
        }
        command = { type: 'pipeline', commands };
      }
      const next = tokens[pos];
      let op: ';' | '&&' | '||' = ';';
      if (next?.kind === 'op' && (next.op === '&&' || next.op === '||' || next.op === ';')) {
        op = next.op as ';' | '&&' | '||';
        pos++;
      }
      list.push({ command, op });
    }
  };
  const expectKeyword = (kw: string) => {
    while (tokens[pos]?.kind === 'op' && (tokens[pos] as { op: string }).op === ';') pos++;
    if (!keyword(tokens[pos], kw)) throw new ShellSyntaxError(`expected "${kw}"`);
    pos++;
  };
  const parseCommand = (): Command => {
    const open = tokens[pos];
    if (open?.kind === 'op' && open.op === '(') {
      pos++;
      const body = parseList([]);
      const close = tokens[pos];
      if (!(close?.kind === 'op' && close.op === ')')) throw new ShellSyntaxError('expected ")"');
      pos++;
      if (body.length === 0) throw new ShellSyntaxError('empty subshell');
      return { type: 'group', body };
    }
    if (keyword(tokens[pos], 'for')) {
      pos++;
      const nameTok = tokens[pos++];
      const name =
        nameTok?.kind === 'word' && nameTok.word[0]?.t === 'lit' ? nameTok.word[0].s : '';
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new ShellSyntaxError('bad for loop variable');
      expectKeyword('in');
      const items: Word[] = [];
      while (tokens[pos]?.kind === 'word') items.push((tokens[pos++] as { word: Word }).word);
      expectKeyword('do');
      const body = parseList(['done']);
      expectKeyword('done');
      return { type: 'for', name, items, body };
    }
    const simple: Simple = {
      type: 'simple',
      words: [],
      dropOut: false,
      dropErr: false,
      errToOut: false,
    };
    for (;;) {
      const t = tokens[pos];
      if (!t) break;
      if (t.kind === 'word') {
        simple.words.push(t.word);
        pos++;
        continue;
      }
      if (t.op === '2>&1') {
        simple.errToOut = true;
        pos++;
        continue;
      }
      if (t.op === '>' || t.op === '1>' || t.op === '2>') {
        const target = tokens[pos + 1];
        const path =
          target?.kind === 'word'
            ? target.word.map((p) => (p.t === 'lit' ? p.s : '')).join('')
            : '';
        if (path !== '/dev/null')
          throw new ShellSyntaxError(`redirection to ${path || 'nothing'} (only /dev/null)`);
        if (t.op === '2>') simple.dropErr = true;
        else simple.dropOut = true;
        pos += 2;
        continue;
      }
      break;
    }
    if (simple.words.length === 0) throw new ShellSyntaxError('empty command');
    return simple;
  };
  const list = parseList([]);
  if (pos < tokens.length) throw new ShellSyntaxError('unexpected token');
  return list;
}

class Shell {
  private readonly vars = new Map<string, string>();
  private status = 0;

  constructor(
    private readonly io: PodIo,
    private readonly run: Runner,
  ) {}

  async runList(list: List): Promise<number> {
    let skip: ';' | '&&' | '||' | undefined;
    for (const { command, op } of list) {
      const runIt =
        skip === undefined ||
        skip === ';' ||
        (skip === '&&' && this.status === 0) ||
        (skip === '||' && this.status !== 0);
      if (runIt) this.status = await this.runCommand(command);
      skip = op;
    }
    return this.status;
  }

  /** A subshell: a copy of the variables, the given streams; `exit` ends only it. */
  private subshell(io: PodIo): Shell {
    const sub = new Shell(io, this.run);
    for (const [k, v] of this.vars) sub.vars.set(k, v);
    sub.status = this.status;
    return sub;
  }

  private async runCommand(command: Command): Promise<number> {
    if (command.type === 'group') return this.subshell(this.io).runIsolated(command);
    if (command.type === 'pipeline') return this.runPipeline(command.commands);
    if (command.type === 'for') {
      const items: string[] = [];
      for (const w of command.items) items.push(...(await this.expand(w)));
      let status = 0;
      for (const item of items) {
        this.vars.set(command.name, item);
        status = await this.runList(command.body);
      }
      return status;
    }
    const argv: string[] = [];
    for (const w of command.words) argv.push(...(await this.expand(w)));
    if (argv.length === 0) return 0;
    if (argv[0] === 'exit')
      throw new ExitSignal(argv[1] === undefined ? this.status : Number(argv[1]) & 255);
    const io: PodIo = {
      ...this.io,
      out: command.dropOut ? () => undefined : this.io.out,
      err: command.errToOut
        ? command.dropOut
          ? () => undefined
          : this.io.out
        : command.dropErr
          ? () => undefined
          : this.io.err,
    };
    return this.run(argv, io);
  }

  private async runIsolated(command: Command): Promise<number> {
    try {
      return command.type === 'group'
        ? await this.runList(command.body)
        : await this.runCommand(command);
    } catch (err) {
      if (err instanceof ExitSignal) return err.code;
      throw err;
    }
  }

  /**
   * Every stage runs at once in a subshell (POSIX 2.9.2); a stage's stdin is the whole of the
   * previous stage's stdout, handed over when that stage ends (commands here read stdin whole).
   */
  private async runPipeline(commands: readonly Command[]): Promise<number> {
    let stdin: () => Promise<Buffer> = () => this.io.readStdin();
    const runs: Promise<number>[] = [];
    commands.forEach((command, i) => {
      const last = i === commands.length - 1;
      const chunks: Buffer[] = [];
      const input = stdin;
      const io: PodIo = {
        ...this.io,
        out: last ? this.io.out : (d) => void chunks.push(Buffer.from(d)),
        readStdin: input,
      };
      const run = this.subshell(io).runIsolated(command);
      runs.push(run);
      const output = run.then(
        () => Buffer.concat(chunks),
        () => Buffer.concat(chunks),
      );
      stdin = () => output;
    });
    const codes = await Promise.all(runs);
    return codes[codes.length - 1] ?? 0;
  }

  /** One word to its fields: unquoted expansions are split on blanks (IFS default). */
  private async expand(word: Word): Promise<string[]> {
    let text = '';
    let split = false;
    for (const part of word) {
      let value: string;
      if (part.t === 'lit') value = part.s;
      else if (part.t === 'var')
        value =
          part.name === '?'
            ? String(this.status)
            : (this.vars.get(part.name) ?? this.io.env[part.name] ?? '');
      else value = (await this.capture(part.script)).replace(/\n+$/, '');
      if (part.t !== 'lit' && !part.quoted) split = true;
      text += value;
    }
    if (!split) return [text];
    return text.split(/[ \t\n]+/).filter((s) => s !== '');
  }

  private async capture(script: string): Promise<string> {
    const chunks: Buffer[] = [];
    const io: PodIo = {
      ...this.io,
      out: (d) => void chunks.push(Buffer.from(d)),
    };
    this.status = await runScript(script, io, this.run);
    return Buffer.concat(chunks).toString('utf8');
  }
}
