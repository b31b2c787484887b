// `switchyard validate -f FILE|DIR|-`: what Istio's admission webhook would reject, with file:line.
import type { Command } from 'commander';
import {
  loadResources,
  formatDiagnostic,
  validateResources,
  type ConfigDiagnostic,
} from '../../config/index.js';
import { EXIT } from '../exit-codes.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("validate Istio resources as Istio's admission webhook would (file:line errors)")
    .requiredOption('-f, --filename <path...>', 'file, directory or - for stdin (repeatable)')
    .option('-R, --recursive', 'process directories recursively', false)
    .option('-n, --namespace <ns>', 'namespace for objects without one', 'default')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(
      (opts: { filename: string[]; recursive: boolean; namespace: string; output: string }) => {
        if (opts.output !== 'text' && opts.output !== 'json') {
          console.error(
            `error: unknown output format ${JSON.stringify(opts.output)} (use text or json)`,
          );
          process.exitCode = EXIT.usage;
          return;
        }
        const loaded = loadResources(opts.filename, {
          recursive: opts.recursive,
          defaultNamespace: opts.namespace,
        });
        const diagnostics: ConfigDiagnostic[] = [...loaded.diagnostics];
        for (const s of loaded.skipped) {
          diagnostics.push({
            level: 'Warning',
            message: `${s.apiVersion} ${s.kind} ${s.name} is not a kind Switchyard reads; skipped`,
            position: s.position,
          });
        }
        diagnostics.push(...validateResources(loaded.resources));
        const errors = diagnostics.filter((d) => d.level === 'Error');
        if (opts.output === 'json') {
          process.stdout.write(
            JSON.stringify(
              { valid: errors.length === 0, resources: loaded.resources.length, diagnostics },
              null,
              2,
            ) + '\n',
          );
        } else {
          // istioctl prints its code in brackets: `Warning [IST0130] ...`.
          for (const d of diagnostics)
            (d.level === 'Error' ? console.error : console.warn)(
              formatDiagnostic(d.code ? { ...d, message: `[${d.code}] ${d.message}` } : d),
            );
          if (loaded.meshConfig)
            console.log(
              `${loaded.meshConfig.position.file}:${loaded.meshConfig.position.line}: mesh config read`,
            );
          if (errors.length === 0) console.log(`${loaded.resources.length} resource(s) valid`);
          else console.error(`${errors.length} error(s)`);
        }
        process.exitCode = errors.length === 0 ? EXIT.ok : EXIT.failure;
      },
    );
}
