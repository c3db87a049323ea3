/**
 * `hagate lint`: the spec's own rules (every error located in the spec), then the generated pair through
 * the keepalived linter (each router, and the two against each other) and the boot-time NIC rule of the
 * interfaces files. Nothing is written.
 */
import { bringsUpAtBoot, findIfaces, ifaceOptions, parseInterfaces } from '@hagate/debian-interfaces';
import { type Diagnostic, formatDiagnostic, lint, lintPair, tryParse } from '@hagate/keepalived-config';
import { routerNames } from '@hagate/spec';
import { readSpec, synthOrExplain } from './spec-file.js';

export interface LintResult {
  subject: string;
  diagnostics: string[];
  failed: boolean;
}

export async function lintSpec(specFile: string, out: string): Promise<LintResult[]> {
  const loaded = readSpec(specFile);
  const files = synthOrExplain(loaded, specFile, undefined);
  const text = (path: string) => {
    const f = files.find((x) => x.path === path);
    if (!f || typeof f.contents !== 'string') throw new Error(`synth produced no ${path}`);
    return f.contents;
  };
  const results: LintResult[] = [{ subject: specFile, diagnostics: [], failed: false }];
  const configs = [];
  for (const router of routerNames(loaded.spec)) {
    const ifPath = `${router}/etc/network/interfaces`;
    const ifaces = parseInterfaces(text(ifPath), { file: `${out}/${ifPath}` });
    const addresses: Record<string, string[]> = {};
    for (const node of ifaces.nodes) {
      if (node.kind !== 'iface') continue;
      const addrs = findIfaces(ifaces, node.name).flatMap((n) =>
        ifaceOptions(n)
          .filter((o) => o.name === 'address')
          .map((o) => o.value),
      );
      if (addrs.length > 0) addresses[node.name] = addrs;
    }
    const atBoot = bringsUpAtBoot(ifaces, loaded.spec.external.nic);
    results.push({
      subject: `${out}/${ifPath}`,
      diagnostics: atBoot.map(
        (a) =>
          `${out}/${ifPath}:${a.loc?.line ?? 1}:1: error external NIC ${loaded.spec.external.nic} is brought up at boot by "${a.keyword} ${a.name}" (fix: only hagate-agent may raise it, on the MASTER)`,
      ),
      failed: atBoot.length > 0,
    });

    const kaPath = `${router}/etc/keepalived/keepalived.conf`;
    const parsed = tryParse(text(kaPath), { file: `${out}/${kaPath}` });
    const diags: Diagnostic[] = [...parsed.diagnostics, ...lint(parsed.file, { interfaces: addresses })];
    configs.push(parsed.file);
    results.push(summarize(`${out}/${kaPath}`, diags));
  }
  if (configs.length === 2) {
    results.push(summarize(`${configs[0]!.file} + ${configs[1]!.file}`, lintPair(configs[0]!, configs[1]!)));
  }
  return results;
}

function summarize(subject: string, diags: Diagnostic[]): LintResult {
  return {
    subject,
    diagnostics: diags.map(formatDiagnostic),
    failed: diags.some((d) => d.severity === 'error'),
  };
}
