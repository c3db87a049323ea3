import { dirname } from 'node:path';
import { fileRule } from '../define.js';
import { scriptProblem } from '../reader.js';
import { scriptUses } from '../views.js';

export const KA023 = fileRule({
  code: 'KA023',
  severity: 'warning',
  title: 'scripts configured without enable_script_security',
  check(ctx, report) {
    const first = scriptUses(ctx)[0];
    const { model } = ctx;
    if (first && !model.globals.has('enable_script_security'))
      report(
        first.pos,
        'scripts are configured but enable_script_security is not set',
        'add enable_script_security and script_user root to global_defs',
      );
  },
});

export const KA025 = fileRule({
  code: 'KA025',
  severity: 'warning',
  title: 'enable_script_security without script_user',
  check(ctx, report) {
    const { model } = ctx;
    const secure = model.globals.get('enable_script_security');
    if (secure && scriptUses(ctx).length > 0 && !model.globals.has('script_user'))
      report(
        secure.pos,
        'enable_script_security without script_user: keepalived looks for user keepalived_script',
        'add script_user root to global_defs',
      );
  },
});

export const KA039 = fileRule({
  code: 'KA039',
  severity: 'warning',
  title: 'script line uses shell syntax (keepalived runs no shell)',
  check(ctx, report) {
    for (const u of scriptUses(ctx)) {
      const cmd = u.args[0];
      if (cmd !== undefined && /[|;&<>`]|\$\(/.test(cmd))
        report(
          u.pos,
          `${u.keyword} '${cmd}' uses shell syntax, but keepalived runs the command without a shell`,
          'put the logic in one executable script and call it by absolute path',
        );
    }
  },
});

const commandPath = (cmd: string) => cmd.trim().split(/\s+/)[0] ?? '';

export const KA024 = fileRule({
  code: 'KA024',
  severity: 'warning',
  title: 'script path is not absolute',
  check(ctx, report) {
    for (const u of scriptUses(ctx)) {
      const cmd = u.args[0];
      if (cmd === undefined) continue;
      const path = commandPath(cmd);
      if (!path.startsWith('/'))
        report(
          u.pos,
          `${u.keyword} '${path}' is not an absolute path`,
          'use the absolute path of one executable file',
        );
    }
  },
});

export const KA034 = fileRule({
  code: 'KA034',
  severity: 'warning',
  title: 'script is not a root-owned, non-writable executable',
  check(ctx, report) {
    const { options, reader } = ctx;
    if (!options.checkScripts) return;
    for (const u of scriptUses(ctx)) {
      const cmd = u.args[0];
      if (cmd === undefined) continue;
      const path = commandPath(cmd);
      if (!path.startsWith('/')) continue;
      const problem = scriptProblem(path, reader);
      if (problem)
        report(
          u.pos,
          `${u.keyword} ${path}: ${problem}`,
          'install it root-owned, mode 0755, with a #! line, in root-owned directories',
        );
    }
  },
});

export const KA041 = fileRule({
  code: 'KA041',
  severity: 'warning',
  title: 'notify FIFO directory does not exist (keepalived does not create it)',
  check({ model, options, reader }, report) {
    if (!options.checkScripts) return;
    for (const k of ['vrrp_notify_fifo', 'notify_fifo', 'lvs_notify_fifo']) {
      const fifo = model.globals.get(k);
      const path = fifo?.args[0];
      if (fifo && path?.startsWith('/') && !reader.stat(dirname(path))?.isDirectory)
        report(
          fifo.pos,
          `${k} ${path}: directory ${dirname(path)} does not exist; keepalived cannot create the FIFO`,
          `create ${dirname(path)} before keepalived starts (e.g. tmpfiles.d), or use a FIFO path in /run`,
        );
    }
  },
});
